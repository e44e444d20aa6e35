package pipeline

import (
	"sync"

	"github.com/sourcegraph/conc/panics"

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
// ends: the parse stage reads what arrives and decodes it in place, and a
// file worker writes what is decoded to the sink.
//
// Memory follows the bytes (invariant 11): while bytes are moving the
// connection holds one stream buffer of streamBufSize (64 KiB), and while
// it waits for the client it holds at most holdSize (4 KiB) — what is
// decoded but not yet worth a trip to the file pool, plus a partial chunk
// line. Small pieces are coalesced in the parse stage until they are worth
// that trip (more than holdSize, a full buffer, or the body's end), so a
// trickle does not cost a hop through the file pool per segment. The
// client is throttled by TCP while its last piece is being written, and a
// slow uploader holds a file worker only while its own bytes are written
// (invariant 5).
//
// If the request is answered without reading the body (405, 404, a refused
// name, a full file queue), the connection closes after the answer, with a
// lingering close so the client sees it. "100 Continue" is sent only once
// a sink has taken the request, so a request that will be refused gets its
// final status at once (RFC 9110 §10.1.1).

// streamMin is the largest body that is buffered whole.
const streamMin = 16 << 10

// streamBufSize is the read buffer of a connection whose body is moving.
const streamBufSize = 64 << 10

// holdSize bounds what a streaming connection holds while it waits for the
// client.
const holdSize = readBufSize

var streamBufs = sync.Pool{New: func() any { return new([streamBufSize]byte) }}

// takeStreamBuf swaps the flight's buffer for a stream buffer, keeping what
// it holds (decoded bytes first, then raw ones) and the small buffer as a
// spare.
func (fl *flight) takeStreamBuf() {
	big := streamBufs.Get().(*[streamBufSize]byte)[:0]
	fl.spare = fl.buf
	big = append(big, fl.buf[fl.dec0:fl.dec1]...)
	big = append(big, fl.buf[fl.off:]...)
	fl.buf, fl.streamBuf = big, true
	fl.dec0, fl.dec1, fl.off = 0, fl.dec1-fl.dec0, fl.dec1-fl.dec0
}

// giveStreamBuf returns the flight's stream buffer to the pool, putting
// small (which holds what it still needs) in its place.
func (fl *flight) giveStreamBuf(small []byte) {
	if fl.streamBuf {
		streamBufs.Put((*[streamBufSize]byte)(fl.buf[:streamBufSize]))
	}
	fl.buf, fl.streamBuf = small, false
}

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
	taskAbort                 // abort the sink of a connection that is gone (offloadSinks)
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

// startStream makes the streamed request j the batch (it is alone in it),
// and decodes what of its body is already here. The head is detached, so
// nothing aliases the buffer.
func (s *Server) startStream(fl *flight, j *job) {
	j.stream = streamRouting
	fl.jobs = append(fl.jobs, j)
	fl.compact()
	fl.dec0, fl.dec1 = 0, 0
	if err := fl.decodeStream(j); err != nil {
		j.failed = err
		s.stages[stageParse].stats.shedFor(parseReason(parser.Status(err)))
	}
}

// parseStream is the parse stage's part of a streamed request: start it
// once the batch before it is answered, then read its body as it arrives,
// and hand what is decoded to the file pool when it is worth the trip.
func (s *Server) parseStream(c *conn, fl *flight, j *job, now int64) action {
	if j.stream == streamPending {
		s.startStream(fl, j)
		return actRoute
	}
	if !fl.streamBuf {
		fl.takeStreamBuf()
	}
	var err error
	for !j.bodyDone {
		fl.compactStream()
		if len(fl.buf) == cap(fl.buf) {
			break
		}
		c.clearEdge(flagInput)
		n := s.fill(c, fl)
		if n == 0 {
			break
		}
		fl.bodyMoved += int64(n)
		fl.bodyProgress = now
		if err = fl.decodeStream(j); err != nil {
			break
		}
	}
	decoded := fl.dec1 - fl.dec0
	held := decoded + len(fl.buf) - fl.off
	full := len(fl.buf) == cap(fl.buf)
	switch {
	case err != nil:
		s.stages[stageParse].stats.shedFor(parseReason(parser.Status(err)))
		s.abortStream(c, fl, j, parser.Status(err))
		return actGone
	case j.bodyDone || (decoded > 0 && (held > holdSize || full)):
		j.task = taskBody
		if !s.admit(j) {
			s.shed(j) // a streamed job: shed aborts it and sends c on itself
		}
		return actGone
	case fl.eof:
		return actClose // the body was cut: the sink is aborted as the flight is released
	case full:
		// No progress with a full buffer: a trailer line longer than the
		// buffer (parser.Limits bounds it, but not below 64 KiB).
		s.abortStream(c, fl, j, 431)
		return actGone
	}
	fl.shrink()
	return actWait
}

// decodeStream decodes the raw bytes buf[off:] in place into buf[dec0:dec1]
// (decoded bytes never outrun the raw ones, so dec1 ≤ off holds).
func (fl *flight) decodeStream(j *job) error {
	for !j.bodyDone {
		data, used, done, err := j.bodyReader.Decode(fl.buf[fl.off:])
		if err != nil {
			return err
		}
		fl.dec1 += copy(fl.buf[fl.dec1:], data)
		fl.off += used
		j.bodyDone = done
		if used == 0 {
			break
		}
	}
	return nil
}

// compactStream moves the decoded bytes to the front of the buffer and the
// raw bytes right after them.
func (fl *flight) compactStream() {
	if fl.dec0 > 0 {
		fl.dec1 = copy(fl.buf, fl.buf[fl.dec0:fl.dec1])
		fl.dec0 = 0
	}
	if fl.off > fl.dec1 {
		n := copy(fl.buf[fl.dec1:], fl.buf[fl.off:])
		fl.buf, fl.off = fl.buf[:fl.dec1+n], fl.dec1
	}
}

// shrink gives the stream buffer back when what it holds fits the small
// one: a connection waiting for its client holds at most holdSize.
func (fl *flight) shrink() {
	fl.compactStream()
	if !fl.streamBuf || len(fl.buf) > holdSize {
		return
	}
	small := fl.spare
	if cap(small) < holdSize {
		small = make([]byte, 0, holdSize)
	}
	fl.spare = nil
	fl.giveStreamBuf(append(small[:0], fl.buf...))
}

// beginStream runs on a file worker: it asks the handler for a sink, and
// either starts pumping the body into it or completes the request with the
// handler's answer.
func (s *Server) beginStream(c *conn, j *job, now int64) {
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
		s.complete(j)
		return
	}
	j.sink, j.stream = sink, streamActive
	if j.req.Expect100 && !j.continued {
		j.continued = true
		sockSend(c.fd, continueResponse)
	}
	s.pumpBody(c, j, now)
}

var continueResponse = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// pumpBody runs on a file worker: it writes what is decoded of j's body to
// the sink, then finishes the request or hands the connection back to the
// poller for more.
func (s *Server) pumpBody(c *conn, j *job, now int64) {
	fl := c.fl
	var r *panics.Recovered
	if fl.dec1 > fl.dec0 || j.bodyDone {
		r = panics.Try(func() {
			if fl.dec1 > fl.dec0 {
				j.sink.Write(fl.buf[fl.dec0:fl.dec1])
			}
			if j.bodyDone {
				j.sink.Finish(&j.resp)
			}
		})
		fl.dec0 = fl.dec1
	}
	switch {
	case r != nil:
		s.stats.panics.Add(1)
		s.log.Error("body handler panicked", "target", string(j.req.Target), "panic", r.String())
		s.abortStream(c, fl, j, 500)
	case j.bodyDone:
		j.sink, j.stream = nil, streamNone
		fl.cur = nil
		fl.shrink()
		if fl.off < len(fl.buf) {
			fl.reparse, fl.headStart = true, now
		}
		s.complete(j)
	default:
		fl.shrink()
		if s.waitInput(c, now) {
			c.poller.handBack(c)
		}
	}
}

// abortStream gives up on a streamed body and answers status; the
// connection closes after the answer.
func (s *Server) abortStream(c *conn, fl *flight, j *job, status int) {
	if j.sink != nil {
		j.sink.Abort()
		j.sink = nil
	}
	s.refuse(j, status)
	s.skipBody(fl, j)
	s.complete(j)
}

// skipBody marks a streamed request answered without (the rest of) its
// body. Unless the body had all arrived, what is left of it is never read,
// so the connection closes after the answer, with a lingering close.
func (s *Server) skipBody(fl *flight, j *job) {
	j.stream = streamNone
	fl.cur = nil
	fl.dec0 = fl.dec1
	if !j.bodyDone {
		fl.closeAfter = true
		fl.unread = true
	}
}
