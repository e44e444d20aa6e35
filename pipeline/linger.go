package pipeline

import "syscall"

// Lingering close.
//
// Closing a socket with unread input makes the kernel send RST, which can
// destroy the response we just wrote before the client reads it. So a
// connection we close while the client may still be sending — after an
// error, a refused body, or with requests still buffered — is closed the
// way nginx's lingering_close and net/http's closeWriteAndWait do it: shut
// our side (the client sees the end of the response), then read and drop
// what the client still sends until it closes too.
//
// Every part of it is bounded (invariant 12 keeps it off the poller too):
// at most lingerTimeout, at most lingerBytes read, and at most
// maxLingering connections at once — past that a connection is closed
// outright. The reads happen in the parse stage (or the stage that decided
// to close), never on the poller.

// lingerClose starts closing c, which the caller owns.
func (s *Server) lingerClose(c *conn, now int64) {
	if s.startLinger(c, now) && s.drainLinger(c) == actClose {
		s.closeConn(c)
	}
}

// startLinger shuts c's sending side and releases its flight. It reports
// true if c is to linger and the caller still owns it (it should drain it
// now); false if c was closed outright (too many lingering already) or
// was handed to its poller to wait for the client.
func (s *Server) startLinger(c *conn, now int64) (drain bool) {
	if fl := c.fl; fl != nil {
		c.fl = nil
		s.releaseFlight(fl)
	}
	sysShutdownWrite(c.fd)
	if s.lingering.Add(1) > maxLingering {
		s.lingering.Add(-1)
		s.closeConn(c) // outright: the bound is the point
		return false
	}
	c.lingering = true
	c.lingerLeft = lingerBytes
	c.deadline.Store(now + int64(lingerTimeout))
	if c.pendingInput() || !c.registered {
		return true
	}
	return c.release(whereLingering, c.deadline.Load(), false)
}

// drainLinger reads and drops what a lingering connection has sent. It
// closes the connection when the client has closed its side or sent
// lingerBytes, and otherwise hands it to the poller to wait for more (with
// its first deadline).
func (s *Server) drainLinger(c *conn) action {
	var scratch [4 << 10]byte
	for {
		n, eof := drainOnce(c.fd, scratch[:], c.lingerLeft)
		c.lingerLeft -= n
		if eof || c.lingerLeft <= 0 {
			return actClose
		}
		if !c.registered {
			if err := c.poller.register(c); err != nil {
				return actClose
			}
		}
		if !c.release(whereLingering, c.deadline.Load(), false) {
			return actGone
		}
	}
}

// drainOnce reads what fd has without blocking, into buf and at most limit
// bytes, and reports how many bytes it dropped and whether the peer has
// closed (or reset) its side.
func drainOnce(fd sockFD, buf []byte, limit int) (n int, eof bool) {
	for n < limit {
		m, err := sockRecv(fd, buf[:min(len(buf), limit-n)])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return n, false
		case err != nil || m == 0:
			return n, true
		}
		n += m
	}
	return n, false
}
