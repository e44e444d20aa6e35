package rawhttp

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Client is one raw TCP connection of a test: it sends exact bytes and
// reads responses strictly. Its methods fail the test on any error.
type Client struct {
	T    testing.TB
	Conn net.Conn
	R    *bufio.Reader
}

// Dial connects to addr; the connection is closed when the test ends and
// any I/O on it gives up after 20 seconds.
func Dial(t testing.TB, addr string) *Client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return &Client{T: t, Conn: conn, R: bufio.NewReaderSize(conn, 64<<10)}
}

// DialReceiveBuffer is Dial with the socket's receive buffer set to size
// bytes before it connects, so the window it offers stays small: a client
// that stops reading then blocks the server's writes after a few kilobytes
// instead of the megabytes loopback autotuning would take in.
func DialReceiveBuffer(t testing.TB, addr string, size int) *Client {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		if cerr := rc.Control(func(fd uintptr) {
			err = setReceiveBuffer(fd, size)
		}); cerr != nil {
			return cerr
		}
		return err
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return &Client{T: t, Conn: conn, R: bufio.NewReaderSize(conn, 64<<10)}
}

// Drain reads and discards until the server ends the connection or within
// has passed. It returns the bytes read and nil if the server closed or
// reset the connection, or the error that stopped it (a timeout: the
// connection is still open). Unlike the other methods it does not fail the
// test, and it may run in any goroutine.
func (c *Client) Drain(within time.Duration) (int64, error) {
	c.Conn.SetReadDeadline(time.Now().Add(within))
	n, err := io.Copy(io.Discard, c.R)
	if errors.Is(err, syscall.ECONNRESET) {
		err = nil
	}
	return n, err
}

// Send writes raw as is.
func (c *Client) Send(raw string) {
	c.T.Helper()
	if _, err := io.WriteString(c.Conn, raw); err != nil {
		c.T.Fatalf("send: %v", err)
	}
}

// Read reads one response; head is true for the response to a HEAD request.
func (c *Client) Read(head bool) *Response {
	c.T.Helper()
	r, err := Read(c.R, head)
	if err != nil {
		c.T.Fatalf("read response: %v", err)
	}
	return r
}

// Request sends "method path HTTP/1.1" with Host: localhost and the given
// extra field lines ("Name: value"), and reads the response.
func (c *Client) Request(method, path string, fields ...string) *Response {
	c.T.Helper()
	c.Send(Format(method, path, fields...))
	return c.Read(method == "HEAD")
}

// Format is the request Request sends.
func Format(method, path string, fields ...string) string {
	var b strings.Builder
	b.WriteString(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n")
	for _, f := range fields {
		b.WriteString(f + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// ExpectClosed checks that the server closes the connection: the next read
// sees EOF (or a reset) and no more bytes, within 5 seconds.
func (c *Client) ExpectClosed() {
	c.T.Helper()
	c.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := c.R.ReadByte()
	if err == nil {
		rest, _ := c.R.Peek(c.R.Buffered())
		c.T.Fatalf("connection still open: read %q", append([]byte{b}, rest...))
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		c.T.Fatal("connection still open after 5s")
	}
}
