// Command nethttp is the net/http reference server: pipehttp's classic routes
// (/, /echo/{s}, /user-agent, GET and POST /files/{name}) on Go's own server,
// with the same --port, --directory and --files-delay flags.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	host := flag.String("host", "127.0.0.1", "interface address")
	port := flag.Int("port", 4221, "TCP port")
	dir := flag.String("directory", ".", "directory for /files/{name}")
	delay := flag.Duration("files-delay", 0, "slow-disk simulation: every file operation takes at least this long")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /echo/{s}", func(w http.ResponseWriter, r *http.Request) {
		s := strings.TrimPrefix(r.URL.EscapedPath(), "/echo/")
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(s)))
		io.WriteString(w, s)
	})
	mux.HandleFunc("GET /user-agent", func(w http.ResponseWriter, r *http.Request) {
		ua := r.UserAgent()
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(ua)))
		io.WriteString(w, ua)
	})
	mux.HandleFunc("GET /files/{name}", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(*delay)
		f, err := os.Open(filepath.Join(*dir, filepath.Base(r.PathValue("name"))))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		io.Copy(w, f) // sendfile through http.response's ReadFrom
	})
	mux.HandleFunc("POST /files/{name}", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(*delay)
		name := filepath.Join(*dir, filepath.Base(r.PathValue("name")))
		if err := writeAtomic(name, r.Body); err != nil {
			http.Error(w, "write failed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "nethttp listening on", ln.Addr())
	log.Fatal((&http.Server{Handler: mux}).Serve(ln))
}

// writeAtomic writes body to a temporary file next to name, syncs it and
// renames it into place, as pipehttp does.
func writeAtomic(name string, body io.Reader) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, body); err != nil {
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
