package main

// Running pipehttp as a service (issue 12): inherited listeners (systemd
// socket activation), the descriptor limit, the drain sequence and exit
// statuses.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"pipehttp/admin"
	"pipehttp/pipeline"
)

// Exit statuses (also in the package doc and the README).
const (
	exitFailed     = 1 // could not start, a stage failed, or a second signal cut the drain short
	exitDrainTimed = 3 // stopped, but --shutdown-timeout passed with requests in flight: they were abandoned
)

// exitError ends the process with its status and message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// drainTimedOut is what both timeout paths of a shutdown end with: the
// deadline passed and the in-flight requests were abandoned (Shutdown
// returned), or a handler was still stuck a second later (we exit without
// it). One status and one message, so a supervisor can tell "stopped, but
// not cleanly" from a failure to start.
func drainTimedOut(timeout time.Duration) error {
	return &exitError{code: exitDrainTimed,
		msg: fmt.Sprintf("shutdown: requests still in flight after --shutdown-timeout %v; abandoned", timeout)}
}

// Socket activation (sd_listen_fds(3)): systemd, or anything that starts
// the process the same way, passes listening sockets as descriptors 3, 4,
// … with LISTEN_FDS (how many), LISTEN_PID (for which process: a variable
// inherited by a child is not meant for it) and, optionally,
// LISTEN_FDNAMES (colon-separated names, from FileDescriptorName=).
const listenFDsStart = 3

// inherited are the listening sockets passed to the process: the public
// one and, optionally, the admin one.
type inherited struct {
	public, admin *os.File
}

// inheritedListeners reads the socket-activation variables and unsets
// them. A socket named "admin" (or, without names, the second one) is the
// admin listener; the other is the public one. More than one public
// socket is refused: pipehttp serves one port.
func inheritedListeners() (inherited, error) {
	var in inherited
	fds, pid, names := os.Getenv("LISTEN_FDS"), os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDNAMES")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDNAMES")
	if fds == "" {
		return in, nil
	}
	if p, err := strconv.Atoi(pid); err != nil || p != os.Getpid() {
		return in, nil // meant for another process
	}
	n, err := strconv.Atoi(fds)
	if err != nil || n < 1 || n > 2 {
		return in, fmt.Errorf("LISTEN_FDS=%q: pipehttp takes 1 or 2 sockets (public, and optionally admin)", fds)
	}
	var named []string
	if names != "" {
		named = strings.Split(names, ":")
	}
	for i := range n {
		fd := listenFDsStart + i
		closeOnExec(fd)
		name := ""
		if i < len(named) {
			name = named[i]
		}
		isAdmin := name == "admin" || (len(named) == 0 && i == 1)
		f := os.NewFile(uintptr(fd), "LISTEN_FDS:"+strconv.Itoa(fd))
		switch {
		case isAdmin && in.admin == nil:
			in.admin = f
		case !isAdmin && in.public == nil:
			in.public = f
		default:
			return in, fmt.Errorf("LISTEN_FDS: two %s sockets (LISTEN_FDNAMES=%q)", map[bool]string{true: "admin", false: "public"}[isAdmin], names)
		}
	}
	if in.public == nil {
		return in, errors.New("LISTEN_FDS: no public socket, only one named admin")
	}
	return in, nil
}

// close closes the inherited descriptors: the servers hold their own
// duplicates, and a descriptor kept here would keep the socket listening
// after the server closed its own at shutdown.
func (in inherited) close() {
	for _, f := range []*os.File{in.public, in.admin} {
		if f != nil {
			f.Close()
		}
	}
}

// urlOf is a URL for a listening address: an unspecified address (all
// interfaces) is shown as localhost, which reaches it from this machine.
func urlOf(addr net.Addr, path string) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + path
}

// drain stops the server the way issue 12 describes, in this order:
//
//  1. /readyz answers 503 at once (if the admin listener is up);
//  2. for --drain-delay the server goes on as before — listener open,
//     keep-alive as usual — so that a load balancer's health check notices
//     and sends new work elsewhere first;
//  3. Shutdown: the listener closes (new clients are refused, or served by
//     whoever shares the port), idle keep-alive connections close, and
//     in-flight requests finish with "Connection: close";
//  4. past --shutdown-timeout the rest is abandoned, and the process exits
//     with status 3 (drainTimedOut) — also if a handler is still stuck
//     one second later, when it exits without waiting for it.
//
// A second SIGINT or SIGTERM at any point exits at once with status 1.
func drain(log *slog.Logger, srv *pipeline.Server, adm *admin.Router, o options, signals <-chan os.Signal, served <-chan error) error {
	if adm != nil {
		adm.SetDraining()
	}
	if o.drainDelay > 0 {
		log.Info("draining: /readyz answers 503; the listener closes after the drain delay", "drain_delay", o.drainDelay)
		delay := time.NewTimer(o.drainDelay)
		defer delay.Stop()
	wait:
		for {
			select {
			case <-delay.C:
				break wait
			case err := <-served:
				return err
			case sig := <-signals:
				if sig == statsSignal {
					logStats(log, srv.Stats())
					continue
				}
				secondSignal(log, sig)
			}
		}
	}
	return shutdown(log, srv, o.shutdownTimeout, signals, served)
}

// shutdown drains the server within timeout (step 3 and 4 of drain).
func shutdown(log *slog.Logger, srv *pipeline.Server, timeout time.Duration, signals <-chan os.Signal, served <-chan error) error {
	log.Info("closing the listener; in-flight requests finish", "timeout", timeout, "open_conns", srv.Stats().OpenConns)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	var stuck <-chan time.Time
	for {
		select {
		case err := <-done:
			// ErrServerClosed: the signal came before Serve had started.
			if serveErr := <-served; serveErr != nil && !errors.Is(serveErr, pipeline.ErrServerClosed) {
				return serveErr
			}
			if err != nil {
				return drainTimedOut(timeout)
			}
			log.Info("stopped")
			return nil
		case <-ctx.Done():
			stuck = time.After(time.Second)
			ctx = context.Background() // fire once
		case <-stuck:
			return drainTimedOut(timeout)
		case sig := <-signals:
			if sig == statsSignal {
				logStats(log, srv.Stats())
				continue
			}
			secondSignal(log, sig)
		}
	}
}

func secondSignal(log *slog.Logger, sig os.Signal) {
	log.Warn("second signal; exiting now", "signal", sig.String())
	os.Exit(exitFailed)
}
