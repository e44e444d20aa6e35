package pipeline

import (
	"sync"
	"time"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// job is one request on its way through the stages and the response that
// answers it. Jobs are pooled: Request.Fields and Response.Body keep their
// capacity, so a steady keep-alive load allocates nothing per request.
type job struct {
	c    *conn
	req  parser.Request
	resp response.Response

	// kind is who finishes the request, as the router said.
	kind router.Kind

	// failed is a protocol error found while parsing; the job skips the
	// router and is answered with parser.Status(failed).
	failed error

	// body accumulates a body that did not arrive in one read; head keeps a
	// private copy of the request head in that case, so the connection's read
	// buffer can be compacted while the body trickles in.
	body       []byte
	head       []byte
	bodyReader parser.BodyReader

	// at is where the request's head starts in its connection's read
	// buffer (for putBack).
	at int

	// A body too large to buffer, or one the client waits to be invited
	// to send, is streamed to the handler's sink on the file pool.
	stream    streamState
	task      fileTask
	sink      BodySink
	continued bool // "100 Continue" was sent
	bodyDone  bool // a streamed body has been decoded to its end

	admitBy time.Time // when a job in the waiting room gives up (admit.go)

	// Metrics (metrics.go): the route the request is counted under, when
	// it was put on the file queue, and its stage times (nanotime; zero
	// with timing off or for stages it skipped).
	route routeID
	enq   int64
	t     jobTimes
}

// jobTimes are the moments a request passed through the stages.
type jobTimes struct {
	start  int64 // the read that brought its first byte
	parsed int64 // its head and body complete
	routed int64 // a route worker took its batch
	file   int64 // a file worker took it
	done   int64 // its response complete (complete; file jobs only)
}

// jobPool holds reset jobs (resetJob): a job is cleared when it is
// released, while it is still in the cache of the worker that wrote its
// response, not when it is taken again.
var jobPool = sync.Pool{New: func() any {
	j := new(job)
	j.req.Reset()
	j.route = routeOther
	return j
}}

// newJob returns a job for a request of c, whose flight is fl: one fl kept
// from its earlier batches if it has one, else one from the pool.
func (fl *flight) newJob(c *conn) *job {
	var j *job
	if n := len(fl.spareJobs); n > 0 {
		j = fl.spareJobs[n-1]
		fl.spareJobs[n-1] = nil
		fl.spareJobs = fl.spareJobs[:n-1]
	} else {
		j = jobPool.Get().(*job)
	}
	j.c = c
	return j
}

// maxSpareJobs bounds the jobs a flight keeps for its next batches. A
// flight is pooled with them, so a keep-alive request costs one pool
// operation (the flight's) rather than three.
const maxSpareJobs = 16

// keepJob recycles j into fl's spares (or the pool, if fl has enough).
func (s *Server) keepJob(fl *flight, j *job) {
	s.resetJob(j)
	if len(fl.spareJobs) < maxSpareJobs {
		fl.spareJobs = append(fl.spareJobs, j)
		return
	}
	jobPool.Put(j)
}

// releaseJob recycles j into the pool.
func (s *Server) releaseJob(j *job) {
	s.resetJob(j)
	jobPool.Put(j)
}

// resetJob releases what j holds (an open file, a sink, large buffers).
func (s *Server) resetJob(j *job) {
	if j.sink != nil {
		// The connection ended mid-body. This is file I/O off the file
		// pool, but only on this error path, and it is a close and an
		// unlink.
		j.sink.Abort()
		j.sink = nil
	}
	j.stream, j.task, j.continued, j.bodyDone = streamNone, taskServe, false, false
	j.resp.Release()
	j.req.Reset()
	j.resp.Reset()
	j.route, j.t = routeOther, jobTimes{}
	j.c = nil
	j.failed = nil
	j.req.Body = nil
	j.body = j.body[:0]
	j.head = j.head[:0]
	if cap(j.body) > maxPooledBody {
		j.body = nil
	}
	if cap(j.resp.Body) > maxPooledBody {
		j.resp.Body = nil
	}
}

// maxPooledBody bounds the body capacity a pooled job may keep, so one large
// upload does not pin its buffer for the life of the process.
const maxPooledBody = 64 << 10

// readBufSize is the read buffer a flight starts with. A head larger than
// this grows a private buffer that goes back to the garbage collector, not
// the pool.
const readBufSize = 4 << 10
