package router

import (
	"sync"

	"pipehttp/parser"
	"pipehttp/response"
)

// Router answers cheap requests in place and classifies file requests.
//
// Routes are matched on the exact, still percent-encoded path; the query is
// ignored. Methods are case-sensitive.
//
//	path            method                 answer
//	/               GET, HEAD              200, empty body, no Content-Type
//	/echo/{s}       GET, HEAD              200 text/plain, body {s} exactly as sent (not decoded; may hold '/', may be empty)
//	/user-agent     GET, HEAD              200 text/plain, body the User-Agent value (empty if absent)
//	/files/{name}   GET, HEAD, POST        File: finished by files.Handler on the file-I/O pool
//	/files/         any known              404 (no name)
//	* (OPTIONS *)   OPTIONS                204, Allow: GET, HEAD, POST, OPTIONS
//	any route       OPTIONS                204, Allow: the route's methods and OPTIONS
//	any route       other known method     405, Allow: the route's methods ("GET, HEAD" or "GET, HEAD, POST")
//	anything else   any known method       404 (static mode: see below)
//	anything        CONNECT or unknown     501 (not a proxy; "get" is unknown)
//
// Known methods are GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE and
// PATCH. Error answers (404, 405, 501) have empty bodies. A HEAD request gets
// exactly the head GET would get, Content-Length and Content-Encoding
// included, with [response.Response.HeadOnly] set.
//
// A Router made by [NewStatic] (static mode, --root) keeps the classic
// routes above and gives every other absolute path, "/" included, to the
// static tree:
//
//	/{path}         GET, HEAD              Static: finished by the static handler on the file-I/O pool
//	/{path}         OPTIONS                204, Allow: GET, HEAD, OPTIONS
//	/{path}         other known method     405, Allow: GET, HEAD
//
// The /echo and /user-agent bodies are gzip-compressed when [AcceptsGzip]
// says so, and carry "Vary: Accept-Encoding" either way, since what a cache
// may serve for them depends on that field. An empty body is never
// compressed: gzip would turn 0 bytes into about 20, and an empty body is
// acceptable in any coding (so it still has Vary but no Content-Encoding).
//
// The zero value is ready to use; a Router must not be copied after first
// use. It is safe for concurrent use.
type Router struct {
	gzippers sync.Pool // of *gzipper
	static   bool      // static mode: unmatched paths are Static
}

// New returns a Router for the classic routes: "/" is an empty 200 and
// every other unmatched path a 404. The zero Router is the same.
func New() *Router {
	return &Router{}
}

// NewStatic returns a Router for static mode: the classic routes keep
// precedence, and every other absolute path is [Static].
func NewStatic() *Router {
	return &Router{static: true}
}

// Route answers cheap requests in place and classifies file requests. It
// never blocks and never does I/O.
//
// resp must be freshly reset (see [response.Response.Reset]); Route sets its
// Status, ContentType, ContentEncoding, Vary, Body and HeadOnly, and appends
// to its Fields. The body is always copied into resp.Body's own capacity,
// never aliased to req's bytes. For [File] and [Static] resp is left
// untouched.
func (rt *Router) Route(req *parser.Request, resp *response.Response) Kind {
	m := parseMethod(req.Method)
	if m == methodUnknown || m == methodConnect {
		empty(resp, 501)
		return Inline
	}
	if string(req.Path) == "*" {
		if m == methodOptions {
			withAllow(resp, 204, allowServer)
		} else {
			empty(resp, 404)
		}
		resp.HeadOnly = m == methodHead
		return Inline
	}

	r, arg := match(req.Path)
	if rt.static {
		r, arg = matchStatic(req.Path)
	}
	switch {
	case r == noRoute:
		empty(resp, 404)
	case m == methodOptions:
		withAllow(resp, 204, r.allow(true))
	case !r.allows(m):
		withAllow(resp, 405, r.allow(false))
	case r == filesRoute:
		return File
	case r == staticRoute:
		return Static
	case r == rootRoute:
		empty(resp, 200)
	case r == echoRoute:
		rt.text(req, resp, arg)
	case r == userAgentRoute:
		rt.text(req, resp, req.UserAgent)
	}
	resp.HeadOnly = m == methodHead
	return Inline
}

// empty sets a status with an empty body.
func empty(resp *response.Response, status int) {
	resp.Status = status
	resp.Body = resp.Body[:0]
}

// withAllow sets a status with an empty body and an Allow field.
func withAllow(resp *response.Response, status int, allow string) {
	empty(resp, status)
	resp.Fields = append(resp.Fields, response.Field{Name: "Allow", Value: allow})
}

// text answers 200 text/plain with a copy of body, gzip-compressed when the
// client accepts it and the body is not empty.
func (rt *Router) text(req *parser.Request, resp *response.Response, body []byte) {
	resp.Status = 200
	resp.ContentType = "text/plain"
	resp.Vary = "Accept-Encoding"
	if len(body) > 0 && AcceptsGzip(req) && rt.compress(resp, body) {
		resp.ContentEncoding = "gzip"
		return
	}
	resp.Body = append(resp.Body[:0], body...)
}
