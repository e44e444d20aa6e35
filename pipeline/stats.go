package pipeline

import "sync/atomic"

// stageStats are one stage's counters, updated with atomics on the hot path.
type stageStats struct {
	busy     atomic.Int64  // workers handling an item now
	taken    atomic.Uint64 // items handled
	shed     atomic.Uint64 // items refused or failed (see StageStats.Shed)
	rejected atomic.Uint64 // accept only: connections turned away at the door
}

type connStats struct {
	closed   atomic.Uint64
	timedOut atomic.Uint64
}

type serverStats struct {
	accept, parse, route, file, write stageStats
	conns                             connStats
	bytesIn, bytesOut                 atomic.Uint64
	panics                            atomic.Uint64
}

// StageStats is a snapshot of one stage.
type StageStats struct {
	Name     string `json:"name"`
	Workers  int    `json:"workers"`
	Busy     int64  `json:"busy"`
	QueueLen int    `json:"queue_len"`
	QueueCap int    `json:"queue_cap"`
	Taken    uint64 `json:"taken"`
	// Shed counts items the stage refused or failed: for accept, errors
	// from accept(2); for parse, requests rejected as malformed; for file,
	// requests answered 503 because the queue stayed full; for write,
	// connections whose client went away mid-response.
	Shed uint64 `json:"shed"`
}

// Stats is a snapshot of what every stage is doing.
type Stats struct {
	Stages        []StageStats `json:"stages"`
	OpenConns     int64        `json:"open_conns"`
	RejectedConns uint64       `json:"rejected_conns"`
	ClosedConns   uint64       `json:"closed_conns"`
	TimedOut      uint64       `json:"timed_out"`
	BytesIn       uint64       `json:"bytes_in"`
	BytesOut      uint64       `json:"bytes_out"`
	Panics        uint64       `json:"panics"`
}

// Stats returns a snapshot of the stages' counters. Each figure is read
// atomically, but the snapshot as a whole is not a single instant.
func (s *Server) Stats() Stats {
	stage := func(name string, st *stageStats, workers, qlen, qcap int) StageStats {
		return StageStats{Name: name, Workers: workers, Busy: st.busy.Load(), QueueLen: qlen,
			QueueCap: qcap, Taken: st.taken.Load(), Shed: st.shed.Load()}
	}
	return Stats{
		Stages: []StageStats{
			stage("accept", &s.stats.accept, s.cfg.AcceptWorkers, 0, 0),
			stage("parse", &s.stats.parse, s.cfg.ParseWorkers, len(s.parseQ), cap(s.parseQ)),
			stage("route", &s.stats.route, s.cfg.RouteWorkers, len(s.routeQ), cap(s.routeQ)),
			stage("file", &s.stats.file, s.cfg.FileWorkers, len(s.fileQ), cap(s.fileQ)),
			stage("write", &s.stats.write, s.cfg.WriteWorkers, len(s.writeQ), cap(s.writeQ)),
		},
		OpenConns:     s.conns.open.Load(),
		RejectedConns: s.stats.accept.rejected.Load(),
		ClosedConns:   s.stats.conns.closed.Load(),
		TimedOut:      s.stats.conns.timedOut.Load(),
		BytesIn:       s.stats.bytesIn.Load(),
		BytesOut:      s.stats.bytesOut.Load(),
		Panics:        s.stats.panics.Load(),
	}
}
