package admin

import (
	"github.com/prometheus/client_golang/prometheus"

	"pipehttp/pipeline"
)

// Target is the server the admin listener watches and resizes;
// *pipeline.Server is the production one.
type Target interface {
	Stats() pipeline.Stats
	Resize(stage string, workers int) error
}

// collector turns one pipeline.Stats snapshot per scrape into Prometheus
// metrics. Reading the snapshot is the only work; nothing is kept between
// scrapes, so the figures are exactly the pipeline's own counters.
type collector struct {
	target Target

	stageWorkers, stageTarget, stageBusy, queueLen, queueCap *prometheus.Desc
	stageItems, stageShed                                    *prometheus.Desc
	queueWait, service                                       *prometheus.Desc

	routeResponses, routeBytes, routeLatency *prometheus.Desc

	connsOpen, connsIdle, connsActive                   *prometheus.Desc
	connsAccepted, connsRejected, connsClosed, timeouts *prometheus.Desc
	bytesIn, bytesOut, panics                           *prometheus.Desc
}

func newCollector(t Target) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("pipehttp_"+name, help, labels, nil)
	}
	return &collector{
		target:       t,
		stageWorkers: d("stage_workers", "Workers running in the stage.", "stage"),
		stageTarget:  d("stage_target_workers", "Workers the stage is asked to run (configuration or live resize).", "stage"),
		stageBusy:    d("stage_busy_workers", "Workers of the stage handling an item now.", "stage"),
		queueLen:     d("stage_queue_length", "Items waiting in the stage's queue.", "stage"),
		queueCap:     d("stage_queue_capacity", "Capacity of the stage's queue.", "stage"),
		stageItems:   d("stage_items_total", "Items the stage has handled (connections for accept, parse, route and write; readiness events for poll; requests for file).", "stage"),
		stageShed:    d("stage_shed_total", "Items the stage shed or rejected, by reason.", "stage", "reason"),
		queueWait:    d("stage_queue_wait_seconds", "Time items waited in the stage's queue.", "stage"),
		service:      d("stage_service_seconds", "Time a worker of the stage spent on an item.", "stage"),

		routeResponses: d("route_responses_total", "Responses written, by route and status class.", "route", "code"),
		routeBytes:     d("route_response_bytes_total", "Response body bytes written, by route.", "route"),
		routeLatency:   d("route_latency_seconds", "From the read that brought a request's first byte to the write that finished its response.", "route"),

		connsOpen:     d("connections_open", "Open client connections."),
		connsIdle:     d("connections_idle", "Keep-alive connections waiting for their next request."),
		connsActive:   d("connections_active", "Open connections that are not idle."),
		connsAccepted: d("connections_accepted_total", "Connections accepted, including those rejected at the door."),
		connsRejected: d("connections_rejected_total", "Connections answered 503 at the door (past --max-conns)."),
		connsClosed:   d("connections_closed_total", "Connections closed."),
		timeouts:      d("connections_timed_out_total", "Connections ended by a header, body or write timeout."),
		bytesIn:       d("received_bytes_total", "Bytes read from clients."),
		bytesOut:      d("sent_bytes_total", "Bytes written to clients."),
		panics:        d("handler_panics_total", "Panics contained: a handler's (answered 500) or the pipeline's own (the connection ended); each is logged with its stack. The name is kept from when only handler panics were counted."),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.stageWorkers, c.stageTarget, c.stageBusy, c.queueLen, c.queueCap, c.stageItems, c.stageShed,
		c.queueWait, c.service, c.routeResponses, c.routeBytes, c.routeLatency,
		c.connsOpen, c.connsIdle, c.connsActive, c.connsAccepted, c.connsRejected, c.connsClosed,
		c.timeouts, c.bytesIn, c.bytesOut, c.panics,
	} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.target.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	histogram := func(d *prometheus.Desc, h pipeline.Histogram, labels ...string) {
		ch <- prometheus.MustNewConstHistogram(d, h.Count, h.Sum, cumulative(h, st.HistogramBounds), labels...)
	}
	for _, s := range st.Stages {
		gauge(c.stageWorkers, float64(s.Workers), s.Name)
		gauge(c.stageTarget, float64(s.Target), s.Name)
		gauge(c.stageBusy, float64(s.Busy), s.Name)
		counter(c.stageItems, s.Taken, s.Name)
		for reason, n := range s.Reasons {
			counter(c.stageShed, n, s.Name, reason)
		}
		if s.QueueCap == 0 {
			continue // accept and poll have no queue of their own, so no wait or service times
		}
		gauge(c.queueLen, float64(s.QueueLen), s.Name)
		gauge(c.queueCap, float64(s.QueueCap), s.Name)
		histogram(c.queueWait, s.Wait, s.Name)
		histogram(c.service, s.Service, s.Name)
	}
	for _, r := range st.Routes {
		for class, n := range r.Status {
			counter(c.routeResponses, n, r.Name, class)
		}
		counter(c.routeBytes, r.Bytes, r.Name)
		histogram(c.routeLatency, r.Latency, r.Name)
	}
	gauge(c.connsOpen, float64(st.OpenConns))
	gauge(c.connsIdle, float64(st.IdleConns))
	gauge(c.connsActive, float64(st.ActiveConns))
	counter(c.connsAccepted, st.AcceptedConns)
	counter(c.connsRejected, st.RejectedConns)
	counter(c.connsClosed, st.ClosedConns)
	counter(c.timeouts, st.TimedOut)
	counter(c.bytesIn, st.BytesIn)
	counter(c.bytesOut, st.BytesOut)
	counter(c.panics, st.Panics)
}

// cumulative turns per-bucket counts into Prometheus's cumulative buckets.
func cumulative(h pipeline.Histogram, bounds []float64) map[float64]uint64 {
	b := make(map[float64]uint64, len(bounds))
	var sum uint64
	for i, bound := range bounds {
		if i < len(h.Counts) {
			sum += h.Counts[i]
		}
		b[bound] = sum
	}
	return b
}
