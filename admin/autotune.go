package admin

import (
	"encoding/json"

	"github.com/prometheus/client_golang/prometheus"

	"pipehttp/autotune"
	"pipehttp/response"
)

// Autotune is what the admin listener shows of the stage controllers;
// *autotune.Tuner is the production one.
type Autotune interface {
	Status() autotune.Status
}

// WatchAutotune adds the controllers to the admin listener: their state
// and last decisions as JSON at GET /debug/autotune.json (which the
// dashboard reads for its timeline), and pipehttp_autotune_* metrics on
// /metrics. Call it before the admin server serves.
func (rt *Router) WatchAutotune(a Autotune) {
	if rt.pages == nil {
		rt.pages = map[string]func(*response.Response){}
	}
	rt.pages["/debug/autotune.json"] = func(resp *response.Response) {
		b, err := json.Marshal(a.Status())
		if err != nil {
			answer(resp, 500, "text/plain; charset=utf-8", []byte(err.Error()+"\n"))
			return
		}
		answer(resp, 200, "application/json", b)
	}
	rt.registry.MustRegister(newAutotuneCollector(a))
}

// autotuneCollector turns one autotune.Status per scrape into metrics.
type autotuneCollector struct {
	a Autotune

	decisions, minWorkers, maxWorkers, util, wait *prometheus.Desc
	target, measured, smoothed, limited, limit    *prometheus.Desc
	refused                                       *prometheus.Desc
}

func newAutotuneCollector(a Autotune) *autotuneCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("pipehttp_autotune_"+name, help, labels, nil)
	}
	return &autotuneCollector{
		a:          a,
		decisions:  d("decisions_total", "Decisions of the stage controllers, by subject (stage or route class) and kind (workers, limit, admission).", "subject", "kind"),
		minWorkers: d("min_workers", "Fewest workers the stage's controller may leave.", "stage"),
		maxWorkers: d("max_workers", "Most workers the stage's controller may start.", "stage"),
		util:       d("utilization", "Busy fraction of the stage's workers over the controller's last window.", "stage"),
		wait:       d("queue_wait_p90_seconds", "Queue wait p90 over the controller's last window.", "stage"),
		target:     d("target_seconds", "Response-time target of the route class, at its quantile.", "class"),
		measured:   d("latency_seconds", "The class's response time at the target's quantile over the controller's last window (admitted requests).", "class"),
		smoothed:   d("latency_smoothed_seconds", "The moving average of latency_seconds the admission controller acts on.", "class"),
		limited:    d("admission_limited", "1 while the class's admission rate is limited, 0 at rest.", "class"),
		limit:      d("admission_rate", "The class's admission rate in requests/s while limited (0 at rest: unlimited).", "class"),
		refused:    d("admission_refused_total", "Requests of the class refused (503) by its admission controller.", "class"),
	}
}

func (c *autotuneCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.decisions, c.minWorkers, c.maxWorkers, c.util, c.wait,
		c.target, c.measured, c.smoothed, c.limited, c.limit, c.refused} {
		ch <- d
	}
}

func (c *autotuneCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.a.Status()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, d := range st.Decisions {
		ch <- prometheus.MustNewConstMetric(c.decisions, prometheus.CounterValue, float64(d.Count), d.Subject, d.Kind)
	}
	for _, s := range st.Stages {
		gauge(c.minWorkers, float64(s.Min), s.Stage)
		gauge(c.maxWorkers, float64(s.Max), s.Stage)
		gauge(c.util, s.Util, s.Stage)
		gauge(c.wait, s.Wait, s.Stage)
	}
	for _, k := range st.Classes {
		gauge(c.target, k.Target, k.Class)
		gauge(c.measured, k.Measured, k.Class)
		gauge(c.smoothed, k.Smoothed, k.Class)
		on := 0.0
		if k.Limit > 0 {
			on = 1
		}
		gauge(c.limited, on, k.Class)
		gauge(c.limit, k.Limit, k.Class)
		ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(k.Refused), k.Class)
	}
}
