package pipeline

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"

	"pipehttp/router"
)

// Metrics on the hot path.
//
// Every figure is an atomic counter; nothing takes a lock per request. The
// counters a worker bumps for every item (busy, taken, the wait and service
// histograms, the per-route figures) live in per-worker shards, each worker
// writing the shard of its id modulo statShards, so workers of one stage do
// not fight over one cache line; Stats sums the shards.
//
// Times come from one monotonic clock read (nanotime, ~20ns) per batch at
// each handoff: a batch or file job carries one int64, the time it was put
// on its current queue, and the receiving worker turns that into the queue
// wait of each item in it. The receiving worker's clock read also serves
// its deadlines, so it is taken with timing off too; Config.DisableTiming
// turns the others off (the counters stay). BenchmarkMetricsOverhead
// measures what they cost.

// histBuckets is the number of buckets of every histogram: bucket i < 25
// counts durations below 1024<<i ns (about 1µs·2^i, so the last finite bound
// is about 17s), and the last bucket counts the rest. Log-scale buckets fit
// latencies that span microseconds to seconds, and finding one is a single
// bits.Len64.
const histBuckets = 26

// statShards is the number of per-worker shards of each stage's counters.
const statShards = 8

// epoch is the origin of nanotime.
var epoch = time.Now()

// nanotime is monotonic nanoseconds since the process started.
func nanotime() int64 { return int64(time.Since(epoch)) }

// histogram counts durations into fixed log-scale buckets.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	sum    atomic.Int64 // nanoseconds
}

func bucketOf(ns int64) int {
	if ns < 0 {
		ns = 0
	}
	return min(bits.Len64(uint64(ns)>>10), histBuckets-1)
}

func (h *histogram) observe(ns int64) { h.observeN(ns, 1) }

// observeN counts n observations of ns (the items of one batch).
func (h *histogram) observeN(ns int64, n int) {
	if ns < 0 {
		ns = 0
	}
	h.counts[bucketOf(ns)].Add(uint64(n))
	h.sum.Add(ns * int64(n))
}

// addTo adds h's counts to dst, which has histBuckets counts.
func (h *histogram) addTo(dst *Histogram) {
	for i := range h.counts {
		n := h.counts[i].Load()
		dst.Counts[i] += n
		dst.Count += n
	}
	dst.Sum += float64(h.sum.Load()) / 1e9
}

// Histogram is a snapshot of a duration histogram with fixed log-scale
// buckets, shared by every histogram of the server (see HistogramBounds).
type Histogram struct {
	// Counts[i] counts observations below HistogramBounds()[i] and not
	// below the bound before it; the last element counts those at or above
	// the last bound. Counts are per bucket, not cumulative.
	Counts []uint64 `json:"counts"`
	Count  uint64   `json:"count"`
	Sum    float64  `json:"sum"` // seconds
	// P50 and P99 are estimates (see Quantile), in seconds; 0 when empty.
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

func newHistogram() Histogram { return Histogram{Counts: make([]uint64, histBuckets)} }

// finish fills in the quantiles once the counts are summed.
func (h *Histogram) finish() {
	h.P50, h.P99 = h.Quantile(0.5), h.Quantile(0.99)
}

var histBounds = func() []float64 {
	b := make([]float64, histBuckets-1)
	for i := range b {
		b[i] = float64(int64(1024)<<i) / 1e9
	}
	return b
}()

// HistogramBounds returns the upper bounds, in seconds, of the finite
// buckets of every Histogram: 1024ns·2^i for i = 0…24. The slice is shared;
// do not modify it.
func HistogramBounds() []float64 { return histBounds }

// Quantile estimates the q-quantile (0 ≤ q ≤ 1) in seconds by linear
// interpolation inside the bucket that holds it, as Prometheus's
// histogram_quantile does. Past the last finite bound it returns that bound.
// It returns 0 for an empty histogram.
func (h Histogram) Quantile(q float64) float64 {
	if h.Count == 0 || len(h.Counts) != histBuckets {
		return 0
	}
	rank := q * float64(h.Count)
	var seen float64
	for i, n := range h.Counts {
		if n == 0 {
			continue
		}
		if seen+float64(n) >= rank {
			if i == histBuckets-1 {
				return histBounds[len(histBounds)-1]
			}
			lo := 0.0
			if i > 0 {
				lo = histBounds[i-1]
			}
			frac := (rank - seen) / float64(n)
			return lo + (histBounds[i]-lo)*math.Max(frac, 0)
		}
		seen += float64(n)
	}
	return histBounds[len(histBounds)-1]
}

// stageShard is one worker shard of a stage's per-item counters.
type stageShard struct {
	busy    atomic.Int64  // workers handling an item now
	taken   atomic.Uint64 // items handled
	wait    histogram     // time on the queue
	service histogram     // time in the worker
	_       [64]byte      // keep neighbouring shards off each other's cache lines
}

// reason says why an item was shed or rejected; each belongs to one stage.
type reason uint8

const (
	reasonAcceptError    reason = iota // accept: accept(2) failed
	reasonMaxConns                     // accept: past MaxConns, 503 at the door
	reasonBadRequest                   // parse: 400
	reasonURITooLong                   // parse: 414
	reasonHeaderTooLarge               // parse: 431
	reasonBodyTooLarge                 // parse: 413
	reasonUnsupported                  // parse: 411, 417, 501, 505
	reasonHeaderTimeout                // parse: the head did not arrive in time (408)
	reasonBodyTimeout                  // parse: the body stalled (408)
	reasonQueueFull                    // file: 503 after QueueWait
	reasonClientGone                   // write: the client reset or closed mid-response
	reasonWriteTimeout                 // write: the client read nothing for WriteTimeout
	reasonOverflow                     // poll: a batch waited on the overflow list (delayed, not refused)
	reasonNoFDs                        // accept: out of descriptors, 503 from a spare (spare_unix.go)
	reasonAdmission                    // route: refused by Config.Admission, 503 (gate.go)
	nReasons
)

var reasonNames = [nReasons]string{
	"accept_error", "max_conns",
	"bad_request", "uri_too_long", "header_too_large", "body_too_large", "unsupported", "header_timeout", "body_timeout",
	"queue_full",
	"client_gone", "write_timeout",
	"overflow",
	"out_of_fds",
	"admission",
}

// parseReason is the reason a request failed parsing with status.
func parseReason(status int) reason {
	switch status {
	case 400:
		return reasonBadRequest
	case 414:
		return reasonURITooLong
	case 431:
		return reasonHeaderTooLarge
	case 413:
		return reasonBodyTooLarge
	}
	return reasonUnsupported
}

// routeID is the route a request is counted under.
type routeID uint8

const (
	routeRoot routeID = iota
	routeEcho
	routeUserAgent
	routeFiles
	routeStatic
	routeOther
	nRoutes
)

var routeNames = [nRoutes]string{"/", "/echo", "/user-agent", "/files", "static", "other"}

// routeShard is one worker shard of the per-route figures.
type routeShard struct {
	classes [5]atomic.Uint64 // responses by status class, 1xx…5xx
	bytes   atomic.Uint64    // response body bytes
	latency histogram        // first byte read to response written
}

// classify names the route of a request the router has classified as kind.
// It only looks at the path prefix pipehttp's router uses; the router
// itself decides what is served.
func classify(path []byte, kind router.Kind) routeID {
	p := string(path) // no allocation: compared only
	switch {
	case p == "/":
		if kind == router.Static {
			return routeStatic
		}
		return routeRoot
	case len(p) >= 6 && p[:6] == "/echo/":
		return routeEcho
	case p == "/user-agent":
		return routeUserAgent
	case len(p) >= 7 && p[:7] == "/files/":
		return routeFiles
	case kind == router.Static:
		return routeStatic
	}
	return routeOther
}
