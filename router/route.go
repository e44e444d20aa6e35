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
	staticRoute // static mode: every other path
)

// Allow field values (RFC 9110 §10.2.1). The 405 answer lists the methods a
// route serves; the OPTIONS answer adds OPTIONS itself.
const (
	allowRead         = "GET, HEAD"
	allowReadOptions  = "GET, HEAD, OPTIONS"
	allowFiles        = "GET, HEAD, POST"
	allowFilesOptions = "GET, HEAD, POST, OPTIONS"
	allowServer       = allowFilesOptions // OPTIONS *: everything any route serves
)

const (
	echoPrefix  = "/echo/"
	filesPrefix = "/files/"
)

// match finds the route for an exact path (still percent-encoded, no query)
// and its argument: the text after /echo/ or the name after /files/.
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

// matchStatic is match for a static-mode router: the classic routes keep
// precedence, and every other absolute path, "/" included, is the tree's.
func matchStatic(path []byte) (route, []byte) {
	r, arg := match(path)
	if (r == noRoute || r == rootRoute) && len(path) > 0 && path[0] == '/' {
		return staticRoute, nil
	}
	return r, arg
}

// allows reports whether r serves m.
func (r route) allows(m method) bool {
	switch m {
	case methodGet, methodHead:
		return true
	case methodPost:
		return r == filesRoute
	}
	return false
}

// allow returns the Allow value for a 405 (withOptions false) or for an
// OPTIONS answer (withOptions true).
func (r route) allow(withOptions bool) string {
	switch {
	case r == filesRoute && withOptions:
		return allowFilesOptions
	case r == filesRoute:
		return allowFiles
	case withOptions:
		return allowReadOptions
	}
	return allowRead
}
