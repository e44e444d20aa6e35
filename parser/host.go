package parser

// validHostPort reports whether b is uri-host [":" port] (RFC 9110 §4.2.1,
// RFC 3986 §3.2.2–3): an IP-literal in brackets, or a non-empty reg-name or
// IPv4 address, then optionally ':' and a port of at most 5 digits no
// greater than 65535. With needPort (CONNECT's authority-form), the port
// must be present and non-empty.
//
// Deliberately narrower than the grammar: ',' is refused in a reg-name,
// because "Host: a,b" is what an intermediary makes of two Host fields
// (RFC 9110 §5.3), and userinfo ('@') is refused everywhere (RFC 9110
// §4.2.4). An empty port ("host:") is allowed, as RFC 3986 permits.
func validHostPort(b []byte, needPort bool) bool {
	var host, port []byte
	hasPort := false
	if len(b) > 0 && b[0] == '[' {
		end := -1
		for i, c := range b {
			if c == ']' {
				end = i
				break
			}
		}
		if end < 0 || !validIPLiteral(b[1:end]) {
			return false
		}
		host = b[:end+1]
		if rest := b[end+1:]; len(rest) > 0 {
			if rest[0] != ':' {
				return false
			}
			port, hasPort = rest[1:], true
		}
	} else {
		host = b
		for i, c := range b {
			if c == ':' {
				host, port, hasPort = b[:i], b[i+1:], true
				break
			}
		}
		if len(host) == 0 || !validPercent(host) {
			return false
		}
		for _, c := range host {
			if charClass[c]&cHost == 0 {
				return false
			}
		}
	}
	if needPort && len(port) == 0 {
		return false
	}
	if hasPort {
		return validPort(port)
	}
	return len(host) > 0
}

// validPort reports whether b is empty or a decimal port number: at most 5
// digits, no greater than 65535.
func validPort(b []byte) bool {
	if len(b) > 5 {
		return false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// validIPLiteral reports whether b, the inside of "[...]", looks like an
// IPv6 address (with an optional RFC 6874 zone) or an IPvFuture. It checks
// the alphabet, not the address arithmetic: the host is only routed on,
// never dialed.
func validIPLiteral(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0] == 'v' || b[0] == 'V' {
		// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
		for _, c := range b[1:] {
			if charClass[c]&cHost == 0 && c != ':' {
				return false
			}
		}
		return len(b) > 3
	}
	colons := 0
	for _, c := range b {
		switch {
		case c == ':':
			colons++
		case c == '.', c == '%', c == '-', c == '_', c == '~':
		case c >= '0' && c <= '9', c|0x20 >= 'a' && c|0x20 <= 'z':
		default:
			return false
		}
	}
	return colons >= 2
}
