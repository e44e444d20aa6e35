package static

import (
	"fmt"
	"strings"

	"pipehttp/files"
	"pipehttp/parser"
)

// target is a request path resolved to a name inside the root.
type target struct {
	rel   string // slash-separated, relative to the root; "." for the root itself
	slash bool   // the path ended in '/' (after decoding)
}

// parsePath percent-decodes the request path exactly once ("%252e" is the
// literal name "%2e", never ".") and splits it into segments. An encoded
// slash ("%2F") separates segments like a plain one, as in
// python3 -m http.server. Empty segments ("a//b") are dropped.
//
// Dot-segments are refused (ErrForbidden) rather than resolved: a browser
// removes them before sending (RFC 3986 §5.2.4), so only tools and attacks
// send them, and refusing keeps every served name canonical. A segment
// that starts with '.' is a dotfile (ErrHidden) unless dotfiles is set.
func parsePath(escaped []byte, dotfiles bool) (target, error) {
	if len(escaped) == 0 || escaped[0] != '/' {
		return target{}, fmt.Errorf("path %q: %w", escaped, ErrBadPath)
	}
	name, err := unescape(escaped)
	if err != nil {
		return target{}, err
	}
	if strings.IndexByte(name, 0) >= 0 {
		return target{}, fmt.Errorf("path %q: NUL byte: %w", escaped, ErrBadPath)
	}
	t := target{slash: strings.HasSuffix(name, "/")}
	var b strings.Builder
	b.Grow(len(name))
	for seg := range strings.SplitSeq(name, "/") {
		switch {
		case seg == "":
			continue
		case seg == "." || seg == "..":
			return target{}, fmt.Errorf("path %q: dot-segment: %w", escaped, ErrForbidden)
		case seg[0] == '.' && !dotfiles:
			return target{}, fmt.Errorf("path %q: %w", escaped, ErrHidden)
		case files.IsTempName(seg):
			// An upload in progress, or one a crash left: hidden in every
			// mode, --dotfiles included, never served half-written.
			return target{}, fmt.Errorf("path %q: upload temp file: %w", escaped, ErrHidden)
		}
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(seg)
	}
	t.rel = b.String()
	if t.rel == "" {
		t.rel = "."
	}
	return t, nil
}

// unescape decodes %XX escapes once (parser.Unescape).
func unescape(escaped []byte) (string, error) {
	name, err := parser.Unescape(escaped)
	if err != nil {
		return "", fmt.Errorf("path: %w: %w", ErrBadPath, err)
	}
	return name, nil
}

// escapeSegment percent-encodes a name for use as one path segment of a
// link: everything but RFC 3986 unreserved characters is escaped, so the
// result is also safe inside an HTML attribute and can never be mistaken
// for a scheme ("a:b") or carry a query or fragment.
func escapeSegment(dst []byte, name string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', hex[c>>4], hex[c&15])
	}
	return dst
}
