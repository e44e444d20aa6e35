package content

import (
	"os"
	"strconv"

	"pipehttp/parser"
	"pipehttp/response"
)

// Representation is one representation of a file as a 200 would send it
// whole: Size bytes of File from offset 0, or, when File is nil, Body (a
// copy in memory that is shared and never modified: responses refer to it
// with response.SetSharedBody).
type Representation struct {
	File        *os.File
	Body        []byte
	Size        int64
	ContentType string
	Validators  Validators
}

// drop releases what a representation holds once the answer does not
// need it.
func (rep Representation) drop() {
	if rep.File != nil {
		rep.File.Close()
	}
}

// Answer evaluates req's preconditions (RFC 9110 §13.2.2) and, for a GET,
// its Range field (§14.2) against rep, after appending the ETag and
// Last-Modified fields to resp.
//
// When that decides the answer, Answer fills resp and returns true, having
// taken rep.File (into resp for a 206, closed otherwise):
//
//	304  a GET or HEAD whose If-None-Match or If-Modified-Since says the client's copy is current
//	412  If-Match or If-Unmodified-Since failed: every field is dropped, and Vary
//	206  one satisfiable range (Content-Range), or several (multipart/byteranges, sorted and coalesced)
//	416  no range satisfiable: "Content-Range: bytes */SIZE"
//
// A Range field with another unit, a syntax error, too many ranges, or an
// If-Range that does not match (§13.1.5) is ignored. HEAD ignores Range
// (§14.2). Otherwise Answer returns false: resp has its fields, including
// "Accept-Ranges: bytes", and the caller sends the whole representation
// with 200, rep.File still its own. form is the body of a 412 or 416.
//
// A representation coded on the fly cannot be cut in ranges; the caller
// chooses such a coding only for a request without a Range field.
func Answer(req *parser.Request, resp *response.Response, rep Representation, form response.ErrorForm) bool {
	v := rep.Validators
	resp.Fields = append(resp.Fields,
		response.Field{Name: "ETag", Value: v.etag},
		response.Field{Name: "Last-Modified", Value: v.LastModified()})
	switch precondition(req, v) {
	case 304:
		rep.drop()
		resp.Status = 304
		resp.ContentType = ""
		return true
	case 412:
		rep.drop()
		resp.Fields = resp.Fields[:0]
		resp.Vary = ""
		resp.Error(412, form)
		return true
	}
	resp.Fields = append(resp.Fields, response.Field{Name: "Accept-Ranges", Value: "bytes"})
	if !req.MethodIs("GET") {
		return false
	}
	fields := req.Values("range")
	if len(fields) != 1 || !ifRange(req, v) {
		return false
	}
	switch ranges, outcome := parseRange(fields[0], rep.Size); outcome {
	case rangeUnsatisfiable:
		rep.drop()
		resp.Fields = append(resp.Fields, response.Field{Name: "Content-Range", Value: "bytes */" + strconv.FormatInt(rep.Size, 10)})
		resp.Error(416, form)
		return true
	case rangeSatisfiable:
		resp.Status = 206
		resp.ContentType = rep.ContentType
		if len(ranges) == 1 {
			r := ranges[0]
			if rep.File != nil {
				resp.File, resp.FileOffset, resp.FileSize = rep.File, r.start, r.length
			} else {
				resp.SetSharedBody(rep.Body[r.start : r.start+r.length : r.start+r.length])
			}
			resp.Fields = append(resp.Fields, response.Field{Name: "Content-Range", Value: contentRange(r, rep.Size)})
			return true
		}
		resp.File = rep.File
		setMultipart(resp, ranges, rep.ContentType, rep.Size, rep.Body)
		return true
	}
	return false
}
