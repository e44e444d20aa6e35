// Command nbio is the low-memory Go reference: net/http handlers on
// github.com/lesismal/nbio's nbhttp engine (epoll, its own parser, no
// goroutine per idle connection), with its default engine settings. It
// serves GET /, GET /echo/{s} and GET /files/{name} from --directory, and
// takes --host, --port, --directory and --files-delay like the others.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lesismal/nbio/nbhttp"
)

func main() {
	host := flag.String("host", "", "interface to listen on")
	port := flag.Int("port", 4221, "TCP port")
	dir := flag.String("directory", ".", "served by /files/{name}")
	delay := flag.Duration("files-delay", 0, "slow-disk simulation")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(strings.TrimPrefix(r.URL.Path, "/echo/")))
	})
	mux.HandleFunc("/files/", func(w http.ResponseWriter, r *http.Request) {
		if *delay > 0 {
			time.Sleep(*delay)
		}
		name := strings.TrimPrefix(r.URL.Path, "/files/")
		if name == "" || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(filepath.Join(*dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
		io.Copy(w, f) // nbhttp's writer takes files by sendfile where it can
	})
	engine := nbhttp.NewEngine(nbhttp.Config{
		Network: "tcp",
		Addrs:   []string{net.JoinHostPort(*host, strconv.Itoa(*port))},
		Handler: mux,
	})
	if err := engine.Start(); err != nil {
		log.Fatal(err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	engine.Stop()
}
