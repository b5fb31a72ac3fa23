// Parsing rendered manifests and walking them.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	yaml3 "gopkg.in/yaml.v3"
)

type obj = map[string]interface{}

// manifest is one rendered Kubernetes object.
type manifest struct {
	Source string
	Obj    obj
}

func (m manifest) kind() string { return str(m.Obj, "kind") }
func (m manifest) name() string { return str(m.Obj, "metadata", "name") }

// parseManifests splits every rendered file into documents and decodes
// each (yaml.v3 refuses duplicate keys, as the API server's decoder does).
func parseManifests(files []rendered) ([]manifest, error) {
	var out []manifest
	for _, f := range files {
		if strings.HasSuffix(f.Name, "NOTES.txt") {
			continue
		}
		dec := yaml3.NewDecoder(bytes.NewReader([]byte(f.Text)))
		for {
			var v interface{}
			err := dec.Decode(&v)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %v", f.Name, err)
			}
			if v == nil {
				continue
			}
			o, ok := v.(obj)
			if !ok {
				return nil, fmt.Errorf("%s: a document that is not a mapping", f.Name)
			}
			if str(o, "apiVersion") == "" || str(o, "kind") == "" || str(o, "metadata", "name") == "" {
				return nil, fmt.Errorf("%s: a document without apiVersion, kind or metadata.name", f.Name)
			}
			out = append(out, manifest{f.Name, o})
		}
	}
	return out, nil
}

// get walks keys (string) and indexes (int).
func get(v interface{}, path ...interface{}) interface{} {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(obj)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]interface{})
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func str(v interface{}, path ...interface{}) string {
	s, _ := get(v, path...).(string)
	return s
}

func list(v interface{}, path ...interface{}) []interface{} {
	a, _ := get(v, path...).([]interface{})
	return a
}

func strs(v interface{}, path ...interface{}) []string {
	var out []string
	for _, x := range list(v, path...) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func find(ms []manifest, kind, name string) *manifest {
	for i := range ms {
		if ms[i].kind() == kind && (name == "" || ms[i].name() == name) {
			return &ms[i]
		}
	}
	return nil
}

func findAll(ms []manifest, kind string) []manifest {
	var out []manifest
	for _, m := range ms {
		if m.kind() == kind {
			out = append(out, m)
		}
	}
	return out
}

// selects reports whether every key of sel has the same value in labels.
func selects(sel, labels interface{}) bool {
	s, ok := sel.(obj)
	if !ok || len(s) == 0 {
		return false
	}
	l, _ := labels.(obj)
	for k, v := range s {
		if l[k] != v {
			return false
		}
	}
	return true
}
