package router

import (
	"sync"

	"pipehttp/parser"
	"pipehttp/response"
)

// Router answers cheap requests in place and classifies file requests.
//
// Routes are matched on the exact, still percent-encoded path; the query is
// ignored. Methods are case-sensitive. The classic table (New, the zero
// Router):
//
//	path            method                 answer
//	/               GET, HEAD              200, empty body, no Content-Type
//	/echo/{s}       GET, HEAD              200 text/plain, body {s} exactly as sent (not decoded; may hold '/', may be empty)
//	/user-agent     GET, HEAD              200 text/plain, body the User-Agent value (empty if absent)
//	/files/{name}   GET, HEAD, POST        File: finished by files.Handler on the file-I/O pool
//	                                       (Config.Files: PUT too, or GET and HEAD only)
//	/files/         any known              404 (no name)
//	* (OPTIONS *)   OPTIONS                204, Allow: every method some route serves, and OPTIONS
//	any route       OPTIONS                204, Allow: the route's methods and OPTIONS
//	any route       other known method     405, Allow: the route's methods ("GET, HEAD" or "GET, HEAD, POST")
//	anything else   any known method       404 (static mode: see below)
//	anything        CONNECT or unknown     501 (not a proxy; "get" is unknown)
//
// Known methods are GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE and
// PATCH. A HEAD request gets exactly the head GET would get, Content-Length
// and Content-Encoding included, with [response.Response.HeadOnly] set.
//
// Error answers (404, 405, 501) carry the body [ErrorFormFor] chooses: in
// the classic table an empty one unless the client asks for HTML, so the
// classic contract ("Content-Length: 0") holds for every client that does
// not.
//
// In static mode (Config.Static) every path the built-in routes do not own,
// "/" included, belongs to the static tree; with Config.NoBuiltin the tree
// owns every path:
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
	cfg      Config
}

// Config chooses a Router's table. The zero Config is the classic server.
type Config struct {
	// Static gives every path the built-in routes do not own, "/"
	// included, to the static tree ([Static]): static mode. Error answers
	// then carry a plain-text body for every client (see ErrorFormFor).
	Static bool
	// NoBuiltin turns the built-in routes (/echo/, /user-agent, /files/)
	// off. With Static the tree is then the whole URL space; without it
	// only "/" is left.
	NoBuiltin bool
	// Files is what /files/{name} takes.
	Files FilesAccess
}

// FilesAccess is the set of methods /files/{name} takes.
type FilesAccess uint8

const (
	// FilesClassic takes GET, HEAD and POST: the classic contract, in
	// which PUT is a 405. The zero value.
	FilesClassic FilesAccess = iota
	// FilesReadOnly takes GET and HEAD: uploads are off, and POST and PUT
	// get 405 with "Allow: GET, HEAD".
	FilesReadOnly
	// FilesReadWrite takes GET, HEAD, POST and PUT (curl -T uploads).
	FilesReadWrite
)

// New returns a Router for the classic routes: "/" is an empty 200 and
// every other unmatched path a 404. The zero Router is the same.
func New() *Router {
	return &Router{}
}

// NewStatic returns a Router for static mode with the classic routes kept:
// the same as NewWith(Config{Static: true}).
func NewStatic() *Router {
	return NewWith(Config{Static: true})
}

// NewWith returns a Router with the table cfg describes.
func NewWith(cfg Config) *Router {
	return &Router{cfg: cfg}
}

// Check answers the method check from a request's method and path alone,
// with no body and no other field: what Route would answer before any
// handler runs. It returns 501 for an unknown method or CONNECT, 404 when no
// route takes the path, 405 when the route does not take the method (allow
// is then the Allow value to send), and 0 when the route takes it (OPTIONS
// included). It never allocates.
//
// The pipeline calls it when a request is refused on its head for its
// body's size: a method the route does not take is the better answer
// (405, not 413; RFC 9110 §15.5.6).
func (rt *Router) Check(method, path []byte) (status int, allow string) {
	m := parseMethod(method)
	if m == methodUnknown || m == methodConnect {
		return 501, ""
	}
	if string(path) == "*" {
		if m == methodOptions {
			return 0, ""
		}
		return 404, ""
	}
	r, _ := rt.cfg.resolve(path)
	switch {
	case r == noRoute || r == ownedRoute:
		return 404, ""
	case m == methodOptions || rt.cfg.allows(r, m):
		return 0, ""
	}
	return 405, rt.cfg.allow(r, false)
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
		rt.fail(req, resp, 501)
		return Inline
	}
	if string(req.Path) == "*" {
		if m == methodOptions {
			withAllow(resp, 204, rt.cfg.allowServer())
		} else {
			rt.fail(req, resp, 404)
		}
		resp.HeadOnly = m == methodHead
		return Inline
	}

	r, arg := rt.cfg.resolve(req.Path)
	switch {
	case r == noRoute || r == ownedRoute:
		rt.fail(req, resp, 404)
	case m == methodOptions:
		withAllow(resp, 204, rt.cfg.allow(r, true))
	case !rt.cfg.allows(r, m):
		rt.fail(req, resp, 405)
		resp.Fields = append(resp.Fields, response.Field{Name: "Allow", Value: rt.cfg.allow(r, false)})
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

// fail answers an error status with the body ErrorFormFor chooses.
func (rt *Router) fail(req *parser.Request, resp *response.Response, status int) {
	resp.Error(status, ErrorFormFor(req, rt.cfg.Static))
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
