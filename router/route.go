package router

import "bytes"

// route is one entry of the route table.
type route uint8

const (
	noRoute route = iota
	rootRoute
	echoRoute
	userAgentRoute
	filesRoute
	staticRoute // static mode: every path the built-in routes do not own
	ownedRoute  // a path a built-in route owns but cannot serve ("/files/"): 404, never the tree
)

// Allow field values (RFC 9110 §10.2.1). The 405 answer lists the methods a
// route serves; the OPTIONS answer adds OPTIONS itself.
const (
	allowRead             = "GET, HEAD"
	allowReadOptions      = "GET, HEAD, OPTIONS"
	allowFilesPost        = "GET, HEAD, POST"
	allowFilesPostOptions = "GET, HEAD, POST, OPTIONS"
	allowFilesPut         = "GET, HEAD, POST, PUT"
	allowFilesPutOptions  = "GET, HEAD, POST, PUT, OPTIONS"
)

const (
	echoPrefix  = "/echo/"
	filesPrefix = "/files/"
)

// match finds the built-in route for an exact path (still percent-encoded,
// no query) and its argument: the text after /echo/ or the name after
// /files/.
func match(path []byte) (route, []byte) {
	switch {
	case string(path) == "/":
		return rootRoute, nil
	case string(path) == "/user-agent":
		return userAgentRoute, nil
	case bytes.HasPrefix(path, []byte(echoPrefix)):
		return echoRoute, path[len(echoPrefix):]
	case len(path) > len(filesPrefix) && bytes.HasPrefix(path, []byte(filesPrefix)):
		return filesRoute, path[len(filesPrefix):]
	}
	return noRoute, nil
}

// resolve is the route table of a Router with cfg.
//
// In static mode the built-in routes, when on, own "/echo", "/echo/…",
// "/user-agent", "/files" and "/files/…": those paths never reach the tree,
// so a site's own echo/ or files/ folder is shadowed whole (cmd/pipehttp
// says so in its banner) rather than half, and "/files/" is a 404, never a
// listing of the site's files/ folder. Every other absolute path, "/"
// included, is the tree's.
func (c *Config) resolve(path []byte) (route, []byte) {
	if !c.Static {
		if c.NoBuiltin {
			if string(path) == "/" {
				return rootRoute, nil
			}
			return noRoute, nil
		}
		return match(path)
	}
	if len(path) == 0 || path[0] != '/' {
		return noRoute, nil
	}
	if c.NoBuiltin {
		return staticRoute, nil
	}
	r, arg := match(path)
	switch {
	case r != noRoute && r != rootRoute:
		return r, arg
	case string(path) == "/echo", string(path) == "/files", string(path) == filesPrefix:
		return ownedRoute, nil
	}
	return staticRoute, nil
}

// allows reports whether r serves m.
func (c *Config) allows(r route, m method) bool {
	switch m {
	case methodGet, methodHead:
		return true
	case methodPost:
		return r == filesRoute && c.Files != FilesReadOnly
	case methodPut:
		return r == filesRoute && c.Files == FilesReadWrite
	}
	return false
}

// allow returns the Allow value for a 405 (withOptions false) or for an
// OPTIONS answer (withOptions true).
func (c *Config) allow(r route, withOptions bool) string {
	if r == filesRoute {
		switch c.Files {
		case FilesClassic:
			if withOptions {
				return allowFilesPostOptions
			}
			return allowFilesPost
		case FilesReadWrite:
			if withOptions {
				return allowFilesPutOptions
			}
			return allowFilesPut
		}
	}
	if withOptions {
		return allowReadOptions
	}
	return allowRead
}

// allowServer is the answer to "OPTIONS *": every method any route serves.
func (c *Config) allowServer() string {
	if c.NoBuiltin {
		return allowReadOptions
	}
	return c.allow(filesRoute, true)
}
