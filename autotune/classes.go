package autotune

import (
	"fmt"
	"slices"
	"strings"

	"pipehttp/pipeline"
)

// Classes are the route classes a latency target can be set for: the
// routes the pipeline counts responses under (pipeline.RouteNames), named
// for the command line.
//
//	root        GET /
//	echo        /echo/{s}
//	user-agent  /user-agent
//	files       /files/{name}
//	static      the tree, in static mode
//	other       everything else, errors included
func Classes() []string {
	var out []string
	for _, r := range pipeline.RouteNames() {
		out = append(out, className(r))
	}
	return out
}

// className is the class of a route name: "/echo" → "echo", "/" → "root".
func className(route string) string {
	if route == "/" {
		return "root"
	}
	return strings.TrimPrefix(route, "/")
}

// routeOf is the route index of a class.
func routeOf(class string) (int, error) {
	i := slices.Index(Classes(), class)
	if i < 0 {
		return 0, fmt.Errorf("autotune: no route class %q (classes: %s)", class, strings.Join(Classes(), ", "))
	}
	return i, nil
}
