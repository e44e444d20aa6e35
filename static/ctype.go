package static

import (
	"bytes"
	"mime"
	"path"
	"strings"
	"unicode/utf8"
)

// types are the extensions whose Content-Type does not depend on the
// machine. Everything else asks mime.TypeByExtension (which also reads the
// system's mime.types), then sniffs.
var types = map[string]string{
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8", // RFC 9239
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".txt":         "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8",
	".csv":         "text/csv; charset=utf-8",
	".xml":         "application/xml",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/vnd.microsoft.icon",
	".wasm":        "application/wasm",
	".pdf":         "application/pdf",
	".zip":         "application/zip",
	".gz":          "application/gzip",
	".tgz":         "application/gzip",
	".zst":         "application/zstd",
	".br":          "application/octet-stream",
	".xz":          "application/x-xz",
	".tar":         "application/x-tar",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".mp4":         "video/mp4",
	".webm":        "video/webm",
	".mp3":         "audio/mpeg",
	".ogg":         "audio/ogg",
	".wav":         "audio/wav",
}

// contentType chooses the Content-Type of a file: by extension (text types
// get "; charset=utf-8" when they name no charset), else by its first bytes
// (head, at most 512), else application/octet-stream.
func contentType(name string, head []byte) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := types[ext]; ok {
		return t
	}
	if ext != "" {
		if t := mime.TypeByExtension(ext); t != "" {
			if strings.HasPrefix(t, "text/") && !strings.Contains(t, "charset=") {
				t += "; charset=utf-8"
			}
			return t
		}
	}
	return sniff(head)
}

// sniff recognises a few signatures from the WHATWG MIME Sniffing standard
// (§7.1, the subset that matters for a static site), then tells UTF-8 text
// from binary. It is a small stand-in for net/http.DetectContentType, which
// would pull net/http into the binary.
func sniff(b []byte) string {
	for _, s := range signatures {
		if bytes.HasPrefix(b, s.prefix) {
			return s.ctype
		}
	}
	if len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" {
		return "image/webp"
	}
	if t := sniffMarkup(b); t != "" {
		return t
	}
	if isText(b) {
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

var signatures = []struct {
	prefix []byte
	ctype  string
}{
	{[]byte("%PDF-"), "application/pdf"},
	{[]byte("\x89PNG\r\n\x1a\n"), "image/png"},
	{[]byte("GIF87a"), "image/gif"},
	{[]byte("GIF89a"), "image/gif"},
	{[]byte("\xff\xd8\xff"), "image/jpeg"},
	{[]byte("PK\x03\x04"), "application/zip"},
	{[]byte("\x1f\x8b\x08"), "application/gzip"},
	{[]byte("\x00asm"), "application/wasm"},
	{[]byte("wOFF"), "font/woff"},
	{[]byte("wOF2"), "font/woff2"},
	{[]byte("\xef\xbb\xbf"), "text/plain; charset=utf-8"}, // UTF-8 BOM
}

// markup are the HTML tags that make a file HTML when it starts with one
// (after whitespace), compared case-insensitively and followed by a space
// or '>'.
var markup = []string{"<!doctype html", "<html", "<head", "<body", "<script", "<title", "<p", "<div", "<!--"}

func sniffMarkup(b []byte) string {
	b = bytes.TrimLeft(b, "\t\n\x0c\r ")
	if bytes.HasPrefix(b, []byte("<?xml")) {
		return "text/xml; charset=utf-8"
	}
	for _, tag := range markup {
		if len(b) > len(tag) && bytes.EqualFold(b[:len(tag)], []byte(tag)) {
			if c := b[len(tag)]; c == ' ' || c == '>' || tag == "<!--" {
				return "text/html; charset=utf-8"
			}
		}
	}
	return ""
}

// isText reports whether b holds no binary data bytes (WHATWG §7.2) and is
// UTF-8, forgiving a rune cut off at the end of the sample.
func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' && c != 0x1b {
			return false
		}
	}
	if utf8.Valid(b) {
		return true
	}
	// The sample may end inside a rune.
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			return !utf8.FullRune(b[len(b)-i:]) && utf8.Valid(b[:len(b)-i])
		}
	}
	return false
}

// compressible reports whether a Content-Type is worth gzipping: text,
// and the structured text and font types that are not compressed already.
func compressible(ctype string) bool {
	t, _, _ := strings.Cut(ctype, ";")
	switch {
	case strings.HasPrefix(t, "text/"):
		return true
	case strings.HasSuffix(t, "+json"), strings.HasSuffix(t, "+xml"):
		return true
	}
	switch t {
	case "application/json", "application/xml", "application/javascript",
		"application/wasm", "font/ttf", "font/otf", "image/vnd.microsoft.icon",
		"application/x-tar":
		return true
	}
	return false
}
