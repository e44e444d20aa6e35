package pipeline

import (
	"time"

	"github.com/sourcegraph/conc/panics"
	"golang.org/x/sys/unix"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// Streamed bodies.
//
// A body that is not all in the read buffer when its head is parsed is
// streamed when it is chunked, larger than streamMin, or awaited with
// "Expect: 100-continue"; smaller ones are buffered. A streamed request is
// routed at once, on its head. If its handler takes bodies (Handlers.Receive
// returns a sink), the body then alternates between two owners until it
// ends: the parse stage reads what has arrived into the flight's buffer,
// and a file worker decodes it and writes it to the sink. Memory stays at
// one buffer per upload whatever the body's size, the client is throttled by
// TCP while its last piece is being written, and a slow uploader holds a
// file worker only while its own bytes are written (invariant 5).
//
// If the request is answered without reading the body (405, 404, a refused
// name, a full file queue), the connection closes after the answer, with a
// lingering close so the client sees it. "100 Continue" is sent only once
// a sink has taken the request, so a request that will be refused gets its
// final status at once (RFC 9110 §10.1.1).

// streamMin is the largest body that is buffered whole.
const streamMin = 64 << 10

// streamBufSize is the read buffer of a connection streaming a body.
const streamBufSize = 256 << 10

type streamState uint8

const (
	streamNone    streamState = iota
	streamPending             // head parsed; waits for the batch before it
	streamRouting             // in the route stage, or waiting for a file worker to begin
	streamActive              // the sink is taking the body
)

// fileTask is what a file worker does with a job.
type fileTask uint8

const (
	taskServe fileTask = iota // run the handler on a complete request
	taskBegin                 // open the sink of a streamed request
	taskBody                  // write what has arrived of a streamed body
)

// BodySink takes a streamed request body. Its methods run on the file-I/O
// pool, one at a time. Write receives the decoded body in order; Finish
// fills the response once the body has ended; Abort is called instead if
// it never ends (the client went away, timed out or broke the framing).
type BodySink interface {
	Write(p []byte) (int, error)
	Finish(resp *response.Response)
	Abort()
}

func streamsBody(req *parser.Request) bool {
	return req.Expect100 || req.Chunked || req.ContentLength > streamMin
}

// parseStream is the parse stage's part of a streamed request: dispatch it
// once the batch before it is answered, then read its body as it arrives.
func (s *Server) parseStream(c *conn, fl *flight, j *job) {
	if j.stream == streamPending {
		j.stream = streamRouting
		fl.jobs = append(fl.jobs, j)
		c.enq = s.now()
		s.routeQ <- c
		return
	}
	if cap(fl.buf) < streamBufSize {
		grown := make([]byte, len(fl.buf)-fl.off, streamBufSize)
		copy(grown, fl.buf[fl.off:])
		fl.buf, fl.off = grown, 0
	}
	for { // nothing aliases the buffer: the head is detached
		fl.compact()
		if len(fl.buf) == cap(fl.buf) || s.fill(c, fl) == 0 {
			break
		}
	}
	if fl.off == len(fl.buf) && !fl.eof {
		s.arm(c, stateArmedRead, time.Now().Add(s.cfg.BodyTimeout))
		return
	}
	j.task = taskBody
	if !s.admit(j) {
		s.shed(j)
	}
}

// beginStream runs on a file worker: it asks the handler for a sink, and
// either starts pumping the body into it or completes the request with the
// handler's answer.
func (s *Server) beginStream(c *conn, j *job) {
	fl := c.fl
	var sink BodySink
	r := panics.Try(func() {
		if j.kind == router.File && s.handlers.Receive != nil {
			sink = s.handlers.Receive(&j.req, &j.resp)
			return
		}
		s.fileHandler(j).Serve(&j.req, &j.resp) // it gets no body
	})
	if r != nil {
		s.handlerPanicked(j, r)
		sink = nil
	}
	if sink == nil {
		s.skipBody(fl, j)
		s.complete(c, j)
		return
	}
	j.sink, j.stream = sink, streamActive
	if j.req.Expect100 && !j.continued {
		j.continued = true
		unix.Write(c.fd, continueResponse)
	}
	s.pumpBody(c, j)
}

var continueResponse = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// pumpBody runs on a file worker: it decodes what the buffer holds of j's
// body into the sink, then finishes the request or hands the connection back
// to the poller for more.
func (s *Server) pumpBody(c *conn, j *job) {
	fl := c.fl
	var finished bool
	var status int
	r := panics.Try(func() {
		if len(j.body) > 0 { // decoded while the head was parsed
			j.sink.Write(j.body)
			j.body = j.body[:0]
		}
		for {
			data, used, done, err := j.bodyReader.Decode(fl.buf[fl.off:])
			if err != nil {
				status = parser.Status(err)
				return
			}
			if len(data) > 0 {
				j.sink.Write(data)
			}
			fl.off += used
			if done {
				j.sink.Finish(&j.resp)
				finished = true
				return
			}
			if used == 0 {
				return
			}
		}
	})
	switch {
	case r != nil:
		s.stats.panics.Add(1)
		s.log.Error("body handler panicked", "target", string(j.req.Target), "panic", r.String())
		s.abortStream(c, fl, j, 500)
	case status != 0:
		s.abortStream(c, fl, j, status)
	case finished:
		j.sink, j.stream = nil, streamNone
		fl.cur = nil
		fl.reparse = fl.off < len(fl.buf)
		s.complete(c, j)
	case fl.eof:
		s.closeConn(c) // the body was cut: the sink is aborted on release
	default:
		s.arm(c, stateArmedRead, time.Now().Add(s.cfg.BodyTimeout))
	}
}

// abortStream gives up on a streamed body and answers status; the
// connection closes after the answer.
func (s *Server) abortStream(c *conn, fl *flight, j *job, status int) {
	if j.sink != nil {
		j.sink.Abort()
		j.sink = nil
	}
	refuse(&j.resp, status)
	s.skipBody(fl, j)
	s.complete(c, j)
}

// skipBody marks a streamed request answered without its body: what is left
// of it is never read, so the connection closes after the answer.
func (s *Server) skipBody(fl *flight, j *job) {
	j.stream = streamNone
	fl.cur = nil
	fl.closeAfter = true
}

// resume hands a connection whose batch is answered back for its next
// request. If the buffer may already hold it — requests after an unsafe one
// or after a streamed body wait for them, and a streamed request may be
// waiting for its turn — the poller would not wake for it, so it goes
// straight to the parse queue if that has room. The write stage must not
// block on the parse queue (that would close a cycle of blocking queues),
// so otherwise it is armed for writability, which fires at once and takes
// the poller's path to the parse queue.
func (s *Server) resume(c *conn, fl *flight) {
	if fl.reparse || (fl.cur != nil && fl.cur.stream == streamPending) {
		fl.reparse = false
		select {
		case s.parseQ <- c:
		default:
			s.arm(c, stateArmedReparse, time.Now().Add(s.cfg.HeaderTimeout))
		}
		return
	}
	s.armForRead(c, fl)
}
