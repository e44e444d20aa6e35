// Package router is the route table: it answers the cheap endpoints in place
// and classifies the rest.
//
// [Router.Route] looks at a parsed request and either completes the response
// itself ([Inline]: /, /echo/{s}, /user-agent, and every 404, 405 and 501) or
// says that the request belongs to the file handlers ([File]) or, in static
// mode ([Config].Static), to the static tree ([Static]). [Router.Check]
// answers the method check from the request line alone. It is
// synchronous and does no I/O, so the pipeline calls it inline in its route
// stage; only file requests cross into the file-I/O pool.
//
// Responses that carry text are gzip-compressed when the client accepts it
// ([AcceptsGzip], RFC 9110 §12.5.3), with pooled compressors writing straight
// into the response's reused body buffer, so a steady stream of requests
// allocates nothing.
package router
