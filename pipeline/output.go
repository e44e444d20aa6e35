package pipeline

import (
	"os"
	"syscall"

	"pipehttp/response"
)

// inlineBodyMax is the largest body copied next to its head; larger bodies
// are written from where they are with writev.
const inlineBodyMax = 16 << 10

// maxIovecs bounds one writev.
const maxIovecs = 64

// segment is one piece of output: bytes, or a range of a file for sendfile.
type segment struct {
	b    []byte
	file *os.File
	off  int64
	n    int64
}

// pendingOutput is the serialized responses of a connection that the kernel
// has not taken yet. Heads and small bodies are appended to buf; segs says
// what to write in order, and segs[:i] is written.
type pendingOutput struct {
	buf  []byte
	mark int // buf[mark:] is not yet covered by a segment
	segs []segment
	i    int
	iov  [][]byte
	kiov []iovec // the kernel's form of iov (sys_*.go)

	external int // bytes of segments that are response bodies, not runs of buf
}

// maxPooledOutput bounds the output buffer a pooled flight keeps.
const maxPooledOutput = 64 << 10

func (o *pendingOutput) pending() bool { return o.i < len(o.segs) }

// queued is the number of bytes held in memory for writing.
func (o *pendingOutput) queued() int { return len(o.buf) + o.external }

// reset forgets everything, written or not.
func (o *pendingOutput) reset() {
	clear(o.segs)
	o.segs = o.segs[:0]
	o.i = 0
	o.mark = 0
	o.buf = o.buf[:0]
	o.external = 0
}

// reuse returns o emptied for a pooled flight.
func (o *pendingOutput) reuse() pendingOutput {
	o.reset()
	if cap(o.buf) > maxPooledOutput {
		o.buf = nil
	}
	return pendingOutput{buf: o.buf, segs: o.segs, iov: o.iov[:0], kiov: o.kiov[:0]}
}

// add serializes r after what is already pending.
func (o *pendingOutput) add(r *response.Response, date []byte) {
	o.buf = r.AppendHead(o.buf, date)
	if r.HeadOnly || !response.HasBody(r.Status) {
		return
	}
	switch {
	case len(r.Parts) > 0:
		for _, part := range r.Parts {
			switch {
			case part.Data != nil:
				o.buf = append(o.buf, part.Data...)
			case part.Size > 0:
				o.cut()
				o.segs = append(o.segs, segment{file: r.File, off: part.Offset, n: part.Size})
			}
		}
	case r.File != nil:
		if r.FileSize > 0 {
			o.cut()
			o.segs = append(o.segs, segment{file: r.File, off: r.FileOffset, n: r.FileSize})
		}
	case len(r.Body) <= inlineBodyMax:
		o.buf = append(o.buf, r.Body...)
	default:
		o.cut()
		o.segs = append(o.segs, segment{b: r.Body})
		o.external += len(r.Body)
	}
}

// cut ends the current run of buf as a segment. Later appends may move buf,
// but never change the bytes a segment already refers to.
func (o *pendingOutput) cut() {
	if o.mark < len(o.buf) {
		o.segs = append(o.segs, segment{b: o.buf[o.mark:len(o.buf):len(o.buf)]})
		o.mark = len(o.buf)
	}
}

// writeTo writes pending segments to fd without blocking. It returns the
// bytes the kernel took and whether everything was written; false with a
// nil error means the socket buffer is full and the caller should wait for
// writability.
func (o *pendingOutput) writeTo(fd sockFD, st *serverStats) (moved int64, finished bool, err error) {
	defer func() { st.bytesOut.Add(uint64(moved)) }()
	for o.i < len(o.segs) {
		seg := &o.segs[o.i]
		if seg.file != nil {
			n, err := sendFile(fd, seg.file, seg.off, int(min(seg.n, 1<<30)))
			seg.off += int64(n)
			seg.n -= int64(n)
			moved += int64(n)
			switch {
			case err == syscall.EAGAIN:
				return moved, false, nil
			case err == syscall.EINTR:
			case err != nil:
				return moved, false, err
			case n == 0 && seg.n > 0:
				return moved, false, errShortFile
			}
			if seg.n == 0 {
				o.i++
			}
			continue
		}
		o.iov = o.iov[:0]
		for k := o.i; k < len(o.segs) && o.segs[k].file == nil && len(o.iov) < maxIovecs; k++ {
			o.iov = append(o.iov, o.segs[k].b)
		}
		var n int
		if len(o.iov) == 1 {
			n, err = sockSend(fd, o.iov[0])
		} else {
			n, err = sockSendv(fd, o.iov, &o.kiov)
		}
		switch {
		case err == syscall.EAGAIN:
			return moved, false, nil
		case err == syscall.EINTR:
			continue
		case err != nil:
			return moved, false, err
		}
		moved += int64(n)
		for n > 0 {
			seg := &o.segs[o.i]
			if n < len(seg.b) {
				seg.b = seg.b[n:]
				break
			}
			n -= len(seg.b)
			seg.b = nil
			o.i++
		}
	}
	return moved, true, nil
}
