package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/atrium-idp/atrium/internal/model"
)

// Output formats of the client commands (-o).
const (
	outputTable = "table"
	outputJSON  = "json"
	outputYAML  = "yaml"
)

func checkOutput(format string) error {
	switch format {
	case outputTable, outputJSON, outputYAML:
		return nil
	}
	return fmt.Errorf("-o %q: want table, json or yaml", format)
}

// writeData prints v as JSON or YAML; the YAML carries the JSON field names
// of the API (it is the JSON document, re-encoded).
func writeData(w io.Writer, format string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if format == outputJSON {
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(generic); err != nil {
		return err
	}
	return enc.Close()
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

func writeBlueprints(w io.Writer, format string, bps []*model.Blueprint) error {
	if format != outputTable {
		return writeData(w, format, bps)
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "IDENTIFIER\tTITLE\tPROPERTIES\tRELATIONS\tOWNERSHIP\tUPDATED")
	for _, bp := range bps {
		own := "-"
		if bp.Ownership != nil && bp.Ownership.Type != "" {
			own = bp.Ownership.Type
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", bp.Identifier, bp.Title, len(bp.Schema.Properties),
			relationSummary(bp), own, when(bp.UpdatedAt))
	}
	return tw.Flush()
}

func relationSummary(bp *model.Blueprint) string {
	if len(bp.Relations) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(bp.Relations))
	for name, r := range bp.Relations {
		if name == r.Target {
			parts = append(parts, name)
		} else {
			parts = append(parts, name+"→"+r.Target)
		}
	}
	slices.Sort(parts)
	s := strings.Join(parts, ",")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return s
}

func writeEntities(w io.Writer, format string, es []*model.Entity) error {
	if format != outputTable {
		return writeData(w, format, es)
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "IDENTIFIER\tTITLE\tTEAM\tUPDATED")
	for _, e := range es {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Identifier, e.Title, dash(strings.Join(e.Team, ",")), when(e.UpdatedAt))
	}
	return tw.Flush()
}

// writeEntity prints one entity; as a table, one field per row.
func writeEntity(w io.Writer, format string, e *model.Entity) error {
	if format != outputTable {
		return writeData(w, format, e)
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "FIELD\tVALUE")
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("identifier", e.Identifier)
	row("blueprint", e.Blueprint)
	row("title", dash(e.Title))
	if e.Icon != "" {
		row("icon", e.Icon)
	}
	row("team", dash(strings.Join(e.Team, ",")))
	for _, k := range sortedKeys(e.Properties) {
		row("properties."+k, value(e.Properties[k]))
	}
	for _, k := range sortedKeys(e.Relations) {
		row("relations."+k, value(e.Relations[k]))
	}
	row("createdAt", when(e.CreatedAt)+" by "+dash(e.CreatedBy))
	row("updatedAt", when(e.UpdatedAt)+" by "+dash(e.UpdatedBy))
	return tw.Flush()
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// value renders a property or relation value on one line.
func value(v any) string {
	switch t := v.(type) {
	case nil:
		return "-"
	case string:
		return t
	case []string:
		return dash(strings.Join(t, ","))
	case []any:
		strs := make([]string, 0, len(t))
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				strs = nil
				break
			}
			strs = append(strs, s)
		}
		if strs != nil || len(t) == 0 {
			return dash(strings.Join(strs, ","))
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
