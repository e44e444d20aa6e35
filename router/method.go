package router

// method is a request method this server knows (RFC 9110 §9.3, RFC 5789).
// Methods are case-sensitive: "get" is not GET.
type method uint8

const (
	methodUnknown method = iota
	methodGet
	methodHead
	methodPost
	methodPut
	methodDelete
	methodConnect
	methodOptions
	methodTrace
	methodPatch
)

func parseMethod(b []byte) method {
	switch string(b) { // no allocation: the compiler compares in place
	case "GET":
		return methodGet
	case "HEAD":
		return methodHead
	case "POST":
		return methodPost
	case "PUT":
		return methodPut
	case "DELETE":
		return methodDelete
	case "CONNECT":
		return methodConnect
	case "OPTIONS":
		return methodOptions
	case "TRACE":
		return methodTrace
	case "PATCH":
		return methodPatch
	}
	return methodUnknown
}
