package fluxcsv

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// readBufSize is larger than bufio's default so that large bodies need fewer
// reads; encoding/csv reuses a *bufio.Reader it is given.
const readBufSize = 64 << 10

const bom = "\uFEFF"

// csvSource streams records with encoding/csv, which copies each record into
// a new string: right for a body read once and not kept.
type csvSource struct {
	br      *bufio.Reader
	csv     *csv.Reader
	started bool // BOM check done
}

func newCSVSource(r io.Reader) *csvSource {
	br := bufio.NewReaderSize(r, readBufSize)
	return &csvSource{br: br, csv: newCSVReader(br)}
}

// newCSVReader is encoding/csv as this package reads Flux CSV.
func newCSVReader(r io.Reader) *csv.Reader {
	c := csv.NewReader(r)
	c.FieldsPerRecord = -1 // tables differ in width; widths are checked per table
	c.ReuseRecord = true
	return c
}

func (s *csvSource) read() ([]string, int, int, error) {
	if !s.started {
		s.started = true
		b, err := s.br.Peek(len(bom))
		if string(b) == bom {
			_, _ = s.br.Discard(len(bom))
		}
		// bufio hands a read error to Peek and then forgets it, so it has
		// to be returned here. io.EOF is not: a body shorter than three
		// bytes is still a body.
		if err != nil && err != io.EOF {
			return nil, 0, 0, err
		}
	}
	rec, err := s.csv.Read()
	if err != nil {
		return nil, 0, 0, convertErr(err)
	}
	start, _ := s.csv.FieldPos(0)
	lastLine, _ := s.csv.FieldPos(len(rec) - 1)
	return rec, start, lastLine + strings.Count(rec[len(rec)-1], "\n"), nil
}

// stringSource reads the records of a body held in memory, by the rules of
// encoding/csv as newCSVReader configures it (RFC 4180 quoting, CRLF read as
// LF, blank lines skipped, a trailing CR before the end dropped). A value is
// a substring of the body unless its quoted text holds a doubled quote or a
// line break, so reading allocates nothing per row. On malformed text it
// returns the error encoding/csv gives for the same body, so that both
// sources fail alike.
type stringSource struct {
	body string // without its byte order mark
	pos  int    // offset of the next line
	line int    // number of lines read
	rec  []string
	buf  []byte
}

func newStringSource(body string) *stringSource {
	return &stringSource{body: strings.TrimPrefix(body, bom)}
}

// nextLine returns the next line without its line ending, and whether it had
// one; ok is false at the end of the body.
func (s *stringSource) nextLine() (text string, nl, ok bool) {
	if s.pos >= len(s.body) {
		return "", false, false
	}
	rest := s.body[s.pos:]
	s.line++
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		s.pos += i + 1
		return strings.TrimSuffix(rest[:i], "\r"), true, true
	}
	s.pos = len(s.body)
	return strings.TrimSuffix(rest, "\r"), false, true
}

func (s *stringSource) read() ([]string, int, int, error) {
	var text string
	var nl bool
	for {
		var ok bool
		if text, nl, ok = s.nextLine(); !ok {
			return nil, 0, 0, io.EOF
		}
		if text != "" {
			break
		}
	}
	start := s.line
	rec := s.rec[:0]
	for {
		if text == "" || text[0] != '"' {
			i := strings.IndexByte(text, ',')
			field := text
			if i >= 0 {
				field = text[:i]
			}
			if strings.IndexByte(field, '"') >= 0 {
				return nil, 0, 0, s.malformed()
			}
			rec = append(rec, field)
			if i < 0 {
				break
			}
			text = text[i+1:]
			continue
		}

		// A quoted field: verbatim up to the closing quote when that is on
		// the same line and no quote is doubled; built otherwise.
		text = text[1:]
		built := false
		b := s.buf[:0]
		var field string
		for {
			i := strings.IndexByte(text, '"')
			if i < 0 {
				// The field goes on past the end of the line.
				if !nl {
					return nil, 0, 0, s.malformed()
				}
				b = append(append(b, text...), '\n')
				built = true
				if text, nl, _ = s.nextLine(); !nl && text == "" {
					return nil, 0, 0, s.malformed()
				}
				continue
			}
			if i+1 < len(text) && text[i+1] == '"' {
				b = append(append(b, text[:i]...), '"')
				built = true
				text = text[i+2:]
				continue
			}
			if built {
				b = append(b, text[:i]...)
				field = string(b)
			} else {
				field = text[:i]
			}
			text = text[i+1:]
			break
		}
		s.buf = b[:0]
		rec = append(rec, field)
		switch {
		case text == "":
		case text[0] == ',':
			text = text[1:]
			continue
		default:
			return nil, 0, 0, s.malformed()
		}
		break
	}
	s.rec = rec
	return rec, start, s.line, nil
}

// malformed returns the error encoding/csv reports for the body: the text
// breaks the CSV rules, and both sources must say where alike.
func (s *stringSource) malformed() error {
	c := newCSVReader(strings.NewReader(s.body))
	for {
		if _, err := c.Read(); err != nil {
			if err != io.EOF {
				return convertErr(err)
			}
			break
		}
	}
	// Unreachable while this source follows encoding/csv's rules.
	return &ParseError{Line: s.line, Err: errMalformed}
}

var errMalformed = errors.New("malformed quoted field")
