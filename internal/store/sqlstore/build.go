package sqlstore

import (
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
)

// Args collects bind values and returns the dialect's placeholder for each.
type Args struct {
	d    interface{ Placeholder(n int) string }
	Vals []any
}

// NewArgs returns an empty argument list for dialect d.
func NewArgs(d interface{ Placeholder(n int) string }) *Args { return &Args{d: d} }

// Add binds v and returns its placeholder.
func (a *Args) Add(v any) string {
	a.Vals = append(a.Vals, v)
	return a.d.Placeholder(len(a.Vals))
}

// List binds every value and returns "p1, p2, ...".
func (a *Args) List(vs []string) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Add(v))
	}
	return b.String()
}

// chunkRows is how many rows of cols columns one statement may carry: under
// the dialect's parameter limit and small enough to keep statements cheap to
// compile.
func chunkRows(f Flavor, cols int) int {
	n := f.MaxParams() / cols
	if n > maxChunkRows {
		n = maxChunkRows
	}
	if n < 1 {
		n = 1
	}
	return n
}

// maxChunkRows bounds rows per batched statement.
const maxChunkRows = 500

// maxInList bounds identifiers per IN list.
const maxInList = 500

// groupKeys groups keys by blueprint, keeping first-seen order of blueprints
// and dropping duplicate keys, then splits each group into chunks of at most
// maxInList identifiers, so "blueprint = ? AND identifier IN (...)" reads a
// chunk with one indexed query.
func groupKeys(keys []model.EntityKey) []keyChunk {
	var out []keyChunk
	idx := map[string]int{}
	seen := make(map[model.EntityKey]struct{}, len(keys))
	for _, k := range keys {
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		i, ok := idx[k.Blueprint]
		if !ok || len(out[i].IDs) >= maxInList {
			out = append(out, keyChunk{Blueprint: k.Blueprint})
			i = len(out) - 1
			idx[k.Blueprint] = i
		}
		out[i].IDs = append(out[i].IDs, k.Identifier)
	}
	return out
}

// keyChunk is identifiers of one blueprint.
type keyChunk struct {
	Blueprint string
	IDs       []string
}
