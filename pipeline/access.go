package pipeline

import (
	"context"
	"log/slog"
	"time"

	"pipehttp/parser"
	"pipehttp/response"
)

// written records the responses fl.jobs[fl.observed:fl.sent], which have
// just left in full: the per-route figures (in routes, the write worker's
// shard) and, if Config.AccessLog is set, one access-log record each. It
// runs on the write worker that owns the connection.
//
// Consecutive responses of one route, status class and latency bucket —
// a pipelined batch, typically — are counted with one atomic add per
// figure, not one per response.
func (s *Server) written(fl *flight, routes *[nRoutes]routeShard, now int64) {
	var run struct {
		route         routeID
		class, bucket int
		n             uint64 // responses in the run
		bytes         uint64
		sum           int64 // latency, for the histogram's sum
	}
	flush := func() {
		if run.n == 0 {
			return
		}
		r := &routes[run.route]
		r.classes[run.class].Add(run.n)
		r.bytes.Add(run.bytes)
		if run.bucket >= 0 {
			r.latency.counts[run.bucket].Add(run.n)
			r.latency.sum.Add(run.sum)
		}
		run.n, run.bytes, run.sum = 0, 0, 0
	}
	for _, j := range fl.jobs[fl.observed:fl.sent] {
		class := min(max(j.resp.Status/100-1, 0), 4)
		var n int64
		if !j.resp.HeadOnly && response.HasBody(j.resp.Status) {
			n = j.resp.ContentLength()
		}
		bucket, lat := -1, int64(0)
		if s.timing && j.t.start != 0 {
			lat = max(now-j.t.start, 0)
			bucket = bucketOf(lat)
		}
		if run.n > 0 && (j.route != run.route || class != run.class || bucket != run.bucket) {
			flush()
		}
		run.route, run.class, run.bucket = j.route, class, bucket
		run.n++
		run.bytes += uint64(n)
		run.sum += lat
		if s.cfg.AccessLog != nil {
			s.logAccess(j, n, now)
		}
	}
	flush()
	fl.observed = fl.sent
}

// logAccess writes j's access-log record: remote (the client's
// address, "" if unknown), method, target, proto ("HTTP/1.1"), status,
// bytes, dur, the stage timings, referer and user_agent ("" when the
// request had none). Package accesslog renders these records in the
// Combined Log Format. The stage timings are:
//
//	parse       first byte read → request complete (head and body)
//	route_wait  request complete → a route worker took its batch
//	route       in the route stage (for a file request: until it was put
//	            on the file queue)
//	file_wait   on the file queue (file requests only)
//	file        on a file worker (file requests only)
//	write_wait  response complete → response written
//
// dur is first byte read → response written. Timings a request skipped
// (a malformed one is never routed) are left out.
func (s *Server) logAccess(j *job, bytes int64, now int64) {
	ctx := context.Background()
	log := s.cfg.AccessLog
	if !log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	t := j.t
	attrs := make([]slog.Attr, 0, 16)
	remote := ""
	if p := j.c.peer; p != nil {
		remote = p.String()
	}
	attrs = append(attrs,
		slog.String("remote", remote),
		slog.String("method", string(j.req.Method)),
		slog.String("target", string(j.req.Target)),
		slog.String("proto", protoName(j.req.Version)),
		slog.Int("status", j.resp.Status),
		slog.Int64("bytes", bytes),
		slog.Duration("dur", span(t.start, now)))
	add := func(key string, from, to int64) {
		if from != 0 && to != 0 {
			attrs = append(attrs, slog.Duration(key, span(from, to)))
		}
	}
	add("parse", t.start, t.parsed)
	add("route_wait", t.parsed, t.routed)
	if t.file != 0 {
		add("route", t.routed, j.enq)
		add("file_wait", j.enq, t.file)
		add("file", t.file, t.done)
	} else {
		add("route", t.routed, t.done)
	}
	add("write_wait", t.done, now)
	referer, _ := j.req.Header("Referer")
	attrs = append(attrs,
		slog.String("referer", string(referer)),
		slog.String("user_agent", string(j.req.UserAgent)))
	log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}

// protoName is the version as the request line spells it; "" for a request
// that failed before its version was read.
func protoName(v parser.Version) string {
	switch v {
	case parser.HTTP10:
		return "HTTP/1.0"
	case parser.HTTP11:
		return "HTTP/1.1"
	}
	return ""
}

func span(from, to int64) time.Duration { return time.Duration(max(to-from, 0)) }
