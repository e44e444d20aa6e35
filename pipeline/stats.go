package pipeline

import (
	"sync/atomic"
	"time"
)

// stageStats are one stage's counters, updated with atomics on the hot path:
// per-item figures in per-worker shards (see metrics.go), rare events in
// plain atomics.
type stageStats struct {
	shards   [statShards]stageShard
	shed     atomic.Uint64           // items refused or failed (see StageStats.Shed)
	rejected atomic.Uint64           // accept only: connections turned away at the door
	reasons  [nReasons]atomic.Uint64 // shed and rejected items by reason; only this stage's are used
}

// shard is the shard worker id writes to.
func (st *stageStats) shard(id int) *stageShard { return &st.shards[id%statShards] }

// shedFor counts an item shed for r.
func (st *stageStats) shedFor(r reason) {
	st.shed.Add(1)
	st.reasons[r].Add(1)
}

type connStats struct {
	closed   atomic.Uint64
	timedOut atomic.Uint64
}

type serverStats struct {
	conns             connStats
	bytesIn, bytesOut atomic.Uint64
	panics            atomic.Uint64
	// routes are the per-route figures, recorded by the write stage once a
	// response is written, sharded by write worker.
	routes [statShards][nRoutes]routeShard
}

// took starts a batch on a worker: the worker counts as busy and, with
// timing on, the time the batch waited since it was queued is recorded for
// each of its items. It returns the time now, which the worker also uses
// for deadlines: one clock read per batch.
func (s *Server) took(sh *stageShard, b *batch) int64 {
	sh.busy.Add(1)
	now := nanotime()
	if s.timing && b.enq != 0 {
		sh.wait.observeN(now-b.enq, len(b.conns))
	}
	return now
}

// tookOne is took for a single item queued at enq (a file job).
func (s *Server) tookOne(sh *stageShard, enq int64) int64 {
	sh.busy.Add(1)
	now := nanotime()
	if s.timing && enq != 0 {
		sh.wait.observe(now - enq)
	}
	return now
}

// finished ends n items that started at start (see took); each is
// counted with the batch's average service time.
func (s *Server) finished(sh *stageShard, start int64, n int) {
	sh.busy.Add(-1)
	sh.taken.Add(uint64(n))
	if s.timing && n > 0 {
		sh.service.observeN((nanotime()-start)/int64(n), n)
	}
}

// now is nanotime when timing is on, else 0 (and no clock read).
func (s *Server) now() int64 {
	if s.timing {
		return nanotime()
	}
	return 0
}

// StageStats is a snapshot of one stage.
type StageStats struct {
	Name string `json:"name"`
	// Workers is the number of workers running; Target the number asked for
	// (Config, then Resize). Workers is above Target for as long as the
	// extra workers take to finish their current item.
	Workers   int    `json:"workers"`
	Target    int    `json:"target"`
	Resizable bool   `json:"resizable"` // Resize accepts this stage
	Busy      int64  `json:"busy"`
	QueueLen  int    `json:"queue_len"`
	QueueCap  int    `json:"queue_cap"`
	Taken     uint64 `json:"taken"`
	// Shed counts items the stage refused or failed: for accept, errors
	// from accept(2); for parse, requests rejected as malformed or too
	// large and heads or bodies that timed out; for route, requests
	// Config.Admission refused (answered 503); for file, requests answered
	// 503 because the queue stayed full; for write, connections whose
	// client went away or stopped reading mid-response.
	Shed uint64 `json:"shed"`
	// Reasons splits Shed by reason, and for accept also counts the
	// connections rejected at the door (max_conns, out_of_fds), which are
	// not in Shed.
	// Every reason the stage can report is present, zero or not.
	Reasons map[string]uint64 `json:"reasons,omitempty"`
	// Wait is the time items spent on the stage's queue, Service the time
	// a worker spent on each (empty for accept, which has no queue, and
	// when Config.DisableTiming is set).
	Wait    Histogram `json:"wait"`
	Service Histogram `json:"service"`
}

// RouteStats is a snapshot of the responses written for one route.
type RouteStats struct {
	// Name is "/", "/echo", "/user-agent", "/files", "static" (static mode)
	// or "other" (everything else, errors included).
	Name  string `json:"name"`
	Count uint64 `json:"count"`
	// Status counts responses by status class: "1xx" … "5xx".
	Status map[string]uint64 `json:"status"`
	Bytes  uint64            `json:"bytes"` // response body bytes
	// Latency runs from the read that brought the request's first byte to
	// the write that finished its response.
	Latency Histogram `json:"latency"`
}

// Stats is a snapshot of what every stage is doing.
type Stats struct {
	Stages []StageStats `json:"stages"`
	Routes []RouteStats `json:"routes"`
	// OpenConns = IdleConns (keep-alive, waiting for a request in the
	// poller: an epoll registration, or a parked waiter) + ActiveConns
	// (anything else).
	OpenConns     int64  `json:"open_conns"`
	IdleConns     int64  `json:"idle_conns"`
	ActiveConns   int64  `json:"active_conns"`
	AcceptedConns uint64 `json:"accepted_conns"` // accepted, including those rejected at the door
	RejectedConns uint64 `json:"rejected_conns"` // answered 503 at the door (MaxConns, or out of descriptors)
	ClosedConns   uint64 `json:"closed_conns"`
	TimedOut      uint64 `json:"timed_out"`
	BytesIn       uint64 `json:"bytes_in"`
	BytesOut      uint64 `json:"bytes_out"`
	// Panics counts contained panics: a handler's (answered 500) and the
	// pipeline's own (that connection ended; see stages.go).
	Panics uint64 `json:"panics"`
	// Poller is the readiness stage's source, "epoll" or "portable"
	// (Config.Poller).
	Poller string `json:"poller"`
	// Timing says whether the histograms are being filled (see
	// Config.DisableTiming).
	Timing bool `json:"timing"`
	// Uptime is the time since New, in seconds; Time when the snapshot was
	// taken.
	Uptime float64   `json:"uptime"`
	Time   time.Time `json:"time"`
	// HistogramBounds are the bucket bounds of every Histogram, in seconds.
	HistogramBounds []float64 `json:"histogram_bounds"`
}

// Stats returns a snapshot of the stages' counters. Each figure is read
// atomically, but the snapshot as a whole is not a single instant. It costs
// a pass over the open connections (to count the idle ones) and a few
// thousand atomic loads; nothing on the request path waits for it.
func (s *Server) Stats() Stats {
	st := Stats{
		OpenConns:       s.openConns.Load(),
		RejectedConns:   s.stages[stageAccept].stats.rejected.Load(),
		ClosedConns:     s.stats.conns.closed.Load(),
		TimedOut:        s.stats.conns.timedOut.Load(),
		BytesIn:         s.stats.bytesIn.Load(),
		BytesOut:        s.stats.bytesOut.Load(),
		Panics:          s.stats.panics.Load(),
		Poller:          s.cfg.Poller,
		Timing:          s.timing,
		Uptime:          time.Since(s.started).Seconds(),
		Time:            time.Now(),
		HistogramBounds: histBounds,
	}
	for i := range s.stages {
		st.Stages = append(st.Stages, s.stages[i].snapshot())
	}
	st.AcceptedConns = st.Stages[stageAccept].Taken
	for r := range nRoutes {
		rs := RouteStats{Name: routeNames[r], Status: make(map[string]uint64, 5), Latency: newHistogram()}
		var classes [5]uint64
		for i := range s.stats.routes {
			sh := &s.stats.routes[i][r]
			for k := range classes {
				classes[k] += sh.classes[k].Load()
			}
			rs.Bytes += sh.bytes.Load()
			sh.latency.addTo(&rs.Latency)
		}
		for k, n := range classes {
			rs.Status[string(rune('1'+k))+"xx"] = n
			rs.Count += n
		}
		rs.Latency.finish()
		st.Routes = append(st.Routes, rs)
	}
	for _, p := range s.pollers {
		p.table.each(func(c *conn) {
			if c.state.Load()&(whereMask|flagIdle) == whereReading|flagIdle {
				st.IdleConns++
			}
		})
	}
	st.ActiveConns = max(st.OpenConns-st.IdleConns, 0)
	return st
}

// snapshot is the stage's part of Stats.
func (st *stage) snapshot() StageStats {
	ss := StageStats{Name: st.name, Resizable: st.resizable, Shed: st.stats.shed.Load(),
		Workers: int(st.target.Load()), Target: int(st.target.Load()), Wait: newHistogram(), Service: newHistogram()}
	if st.resizable {
		ss.Workers = int(st.live.Load())
	}
	ss.QueueLen, ss.QueueCap = st.queue()
	for i := range st.stats.shards {
		sh := &st.stats.shards[i]
		ss.Busy += sh.busy.Load()
		ss.Taken += sh.taken.Load()
		sh.wait.addTo(&ss.Wait)
		sh.service.addTo(&ss.Service)
	}
	ss.Wait.finish()
	ss.Service.finish()
	if len(st.reasons) > 0 {
		ss.Reasons = make(map[string]uint64, len(st.reasons))
		for _, r := range st.reasons {
			ss.Reasons[reasonNames[r]] = st.stats.reasons[r].Load()
		}
	}
	return ss
}
