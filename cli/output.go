package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/warroom/warroom"
)

// render prints an API answer: as the API's JSON in JSON output, or, in
// text output, decoded into T and shown by text.
func render[T any](a *app, raw []byte, text func(*T) error) error {
	if a.jsonMode {
		return printJSON(a.stdout, raw)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("unexpected answer from the server: %w", err)
	}
	return text(&v)
}

// printJSON prints a JSON document indented, one value per output.
func printJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("unexpected answer from the server: %w", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// printJSONValue prints v as indented JSON.
func printJSONValue(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// table writes aligned columns; call flush when done.
func table(w io.Writer, header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(header) > 0 {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	return tw
}

// row writes one table row. A cell of several lines (a summary or note
// typed with line breaks) continues on the next rows, in its own column,
// so that the columns after it and the rows below stay aligned; a tab in
// a cell is a space, not a column break.
func row(tw *tabwriter.Writer, cells ...string) {
	lines := make([][]string, len(cells))
	height := 1
	for i, c := range cells {
		c = strings.ReplaceAll(strings.ReplaceAll(c, "\r\n", "\n"), "\t", " ")
		lines[i] = strings.Split(strings.TrimRight(c, "\n"), "\n")
		height = max(height, len(lines[i]))
	}
	for n := range height {
		out := make([]string, len(cells))
		for i := range cells {
			if n < len(lines[i]) {
				out[i] = lines[i][n]
			}
		}
		fmt.Fprintln(tw, strings.Join(out, "\t"))
	}
}

// fmtTime shows a time in UTC: responders in several time zones read
// the same timeline, so one zone avoids confusion.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// fmtTimePtr is fmtTime for an optional time.
func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return fmtTime(*t)
}

// orDash shows an empty cell as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// yesNo shows a flag.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// namer returns a function showing a user ID as "@handle". It uses
// people (an incident view's map) first and asks the API for anyone else,
// once per user; an unknown user is shown by ID rather than failing the
// command, whose work is already done.
func (a *app) namer(ctx context.Context, people map[string]string) func(string) string {
	return func(id string) string {
		if id == "" {
			return "system"
		}
		if n, ok := people[id]; ok {
			return n
		}
		if n, ok := a.names[id]; ok {
			return n
		}
		if a.names == nil {
			a.names = map[string]string{}
		}
		a.names[id] = id
		if raw, err := a.api().get(ctx, "/api/v1/users/"+url.PathEscape(id), nil); err == nil {
			var u warroom.User
			if json.Unmarshal(raw, &u) == nil && u.Handle != "" {
				a.names[id] = "@" + u.Handle
			}
		}
		return a.names[id]
	}
}

// incidentRef shows an incident ID as its ref (INC-4), which is what
// people type and see everywhere else; asked of the API once per
// incident. An incident the API does not show is left as its ID.
func (a *app) incidentRef(ctx context.Context, id string) string {
	if id == "" {
		return "-"
	}
	if ref, ok := a.refs[id]; ok {
		return ref
	}
	if a.refs == nil {
		a.refs = map[string]string{}
	}
	a.refs[id] = id
	if raw, err := a.api().get(ctx, incidentPath(id), nil); err == nil {
		var v warroom.IncidentView
		if json.Unmarshal(raw, &v) == nil && v.Incident != nil && v.Incident.Ref != "" {
			a.refs[id] = v.Incident.Ref
		}
	}
	return a.refs[id]
}

// printEvents prints timeline events, one line each. starred marks
// entries starred for the postmortem.
func printEvents(w io.Writer, events []warroom.Event, name func(string) string, starred []int64) {
	corrected := map[int64][]string{}
	for _, e := range events {
		if e.Type == warroom.EntryCorrection {
			corrected[e.Ref] = append(corrected[e.Ref], fmt.Sprintf("#%d", e.Seq))
		}
	}
	tw := table(w)
	for i := range events {
		e := &events[i]
		line := warroom.Describe(e, name)
		if e.Type.IsEntry() {
			// Entries do not name their author; system events do.
			line = name(e.ActorID) + " " + line
		}
		for _, s := range starred {
			if s == e.Seq {
				line += "  ★"
			}
		}
		if c := corrected[e.Seq]; len(c) > 0 {
			line += "  (corrected in " + strings.Join(c, ", ") + ")"
		}
		row(tw, fmt.Sprintf("  #%d", e.Seq), fmtTime(e.At), line)
	}
	tw.Flush()
}

// printResult shows what a command did: the incident's state after it
// and the events it appended.
func (a *app) printResult(ctx context.Context, r *warroom.CommandResult) error {
	inc := r.Incident
	if inc == nil {
		return fmt.Errorf("unexpected answer from the server: no incident")
	}
	fmt.Fprintf(a.stdout, "%s  %s  [%s, %s%s]\n", inc.Ref, inc.Title, inc.Stage, inc.Severity, majorTag(inc))
	printEvents(a.stdout, r.Events, a.namer(ctx, nil), nil)
	return nil
}

// majorTag marks major and private incidents in one-line summaries.
func majorTag(inc *warroom.Incident) string {
	s := ""
	if inc.Major {
		s += ", major"
	}
	if inc.Private {
		s += ", private"
	}
	return s
}
