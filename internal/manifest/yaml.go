package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// maxAliasExpansion bounds how many nodes alias expansion may produce, so a
// "billion laughs" document cannot exhaust memory.
const maxAliasExpansion = 1_000_000

// splitYAML decodes every document of a YAML stream into JSON-compatible
// values (map[string]any, []any, string, json.Number, bool, nil).
func splitYAML(name string, data []byte) ([]document, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []document
	index := 0
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: invalid YAML: %v", name, index, err)
		}
		budget := maxAliasExpansion
		v, err := nodeValue(&n, &budget, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %v", name, index, err)
		}
		docs = append(docs, explode(v, index, n.Line)...)
		index++
	}
	return docs, nil
}

// nodeValue converts a YAML node into a JSON-compatible value. Timestamps
// stay strings (they are strings in JSON); keys must be scalars.
func nodeValue(n *yaml.Node, budget *int, depth int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, errors.New("document too large after alias expansion")
	}
	if depth > 200 {
		return nil, fmt.Errorf("line %d: nesting too deep", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0], budget, depth+1)
	case yaml.AliasNode:
		return nodeValue(n.Alias, budget, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				if err := mergeInto(out, vn, budget, depth); err != nil {
					return nil, err
				}
				continue
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping keys must be strings", k.Line)
			}
			v, err := nodeValue(vn, budget, depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	case yaml.ScalarNode:
		return scalarValue(n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// mergeInto applies a `<<: *anchor` merge key: keys already set win.
func mergeInto(out map[string]any, vn *yaml.Node, budget *int, depth int) error {
	v, err := nodeValue(vn, budget, depth+1)
	if err != nil {
		return err
	}
	var maps []map[string]any
	switch t := v.(type) {
	case map[string]any:
		maps = append(maps, t)
	case []any:
		for _, x := range t {
			m, ok := x.(map[string]any)
			if !ok {
				return fmt.Errorf("line %d: merge key needs mappings", vn.Line)
			}
			maps = append(maps, m)
		}
	default:
		return fmt.Errorf("line %d: merge key needs a mapping", vn.Line)
	}
	for _, m := range maps {
		for k, x := range m {
			if _, ok := out[k]; !ok {
				out[k] = x
			}
		}
	}
	return nil
}

func scalarValue(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return json.Number(strconv.FormatInt(i, 10)), nil
		}
		var u uint64
		if err := n.Decode(&u); err == nil {
			return json.Number(strconv.FormatUint(u, 10)), nil
		}
		return nil, fmt.Errorf("line %d: integer %q out of range", n.Line, n.Value)
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("line %d: %q is not a JSON number", n.Line, n.Value)
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	case "!!str", "!!timestamp", "!!binary":
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML tag %s", n.Line, n.Tag)
}
