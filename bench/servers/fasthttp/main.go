// Command fasthttp is the github.com/valyala/fasthttp reference server:
// pipehttp's classic routes (/, /echo/{s}, /user-agent, GET and POST
// /files/{name}) with the same --port, --directory and --files-delay flags.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

func main() {
	host := flag.String("host", "127.0.0.1", "interface address")
	port := flag.Int("port", 4221, "TCP port")
	dir := flag.String("directory", ".", "directory for /files/{name}")
	delay := flag.Duration("files-delay", 0, "slow-disk simulation: every file operation takes at least this long")
	flag.Parse()

	echo := []byte("/echo/")
	files := []byte("/files/")
	handler := func(ctx *fasthttp.RequestCtx) {
		path := ctx.Path()
		get, post := ctx.IsGet() || ctx.IsHead(), ctx.IsPost()
		switch {
		case get && len(path) == 1 && path[0] == '/':
		case get && bytes.HasPrefix(path, echo) && bytes.IndexByte(path[len(echo):], '/') < 0:
			ctx.SetContentType("text/plain")
			ctx.SetBody(path[len(echo):])
		case get && string(path) == "/user-agent":
			ctx.SetContentType("text/plain")
			ctx.SetBody(ctx.UserAgent())
		case (get || post) && bytes.HasPrefix(path, files):
			time.Sleep(*delay)
			name := filepath.Join(*dir, filepath.Base(string(path[len(files):])))
			if post {
				if err := writeAtomic(name, ctx.PostBody()); err != nil {
					ctx.Error("write failed", fasthttp.StatusInternalServerError)
					return
				}
				ctx.SetStatusCode(fasthttp.StatusCreated)
				return
			}
			f, err := os.Open(name)
			if err != nil {
				ctx.NotFound()
				return
			}
			st, err := f.Stat()
			if err != nil || !st.Mode().IsRegular() {
				f.Close()
				ctx.NotFound()
				return
			}
			ctx.SetContentType("application/octet-stream")
			ctx.SetBodyStream(f, int(st.Size())) // closed by fasthttp; sendfile for *os.File
		default:
			ctx.NotFound()
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "fasthttp listening on", ln.Addr())
	srv := &fasthttp.Server{Handler: handler, MaxRequestBodySize: 64 << 20}
	log.Fatal(srv.Serve(ln))
}

// writeAtomic writes body to a temporary file next to name, syncs it and
// renames it into place, as pipehttp does.
func writeAtomic(name string, body []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, bytes.NewReader(body)); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
