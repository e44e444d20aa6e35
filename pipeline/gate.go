package pipeline

import "pipehttp/router"

// Admission control at the stage where a request queues.
//
// Config.Admission, when set, is asked once per routed request, in the
// route stage, right after the router has said which route the request
// belongs to and before the request goes anywhere else: a file request
// before it is offered to the file queue, a cheap request before its answer
// goes to the write stage. A refused request is answered 503 with
// Retry-After there, by the route worker, and counted as shed by the route
// stage (reason "admission"). The door (accept) and the other routes are not
// touched: a class that misses its latency target is shed alone. A file
// request answered from the file handler's memory cache in the route stage
// (CacheServer) is not asked: it queues nowhere.
//
// Off, it costs one nil check per request (Config is immutable once New
// returns, so no atomic load is needed). On, it costs one interface call,
// which the implementation keeps cheap (package autotune: one atomic load
// per request while its class is not limited).

// Admission decides whether a request of a route may go on. route is the
// index of the request's route in Stats.Routes (see RouteNames). Admit is
// called by route workers concurrently, on the request path: it must not
// block, and should not allocate.
type Admission interface {
	Admit(route int) bool
}

// RouteNames returns the names of the routes requests are counted under, in
// the order of Stats.Routes: the index of a name is the route an Admission
// is asked about.
func RouteNames() []string { return append([]string(nil), routeNames[:]...) }

// gate asks Config.Admission about j, a request the router has just
// classified, and answers it 503 in place if it is refused.
func (s *Server) gate(j *job) {
	if s.cfg.Admission.Admit(int(j.route)) {
		return
	}
	s.stages[stageRoute].stats.shedFor(reasonAdmission)
	s.refuse(j, 503)
	j.kind = router.Inline
}
