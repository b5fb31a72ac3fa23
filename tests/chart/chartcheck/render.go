// A renderer of Helm charts faithful to what Helm 3's engine does for this
// chart: text/template + Sprig + Helm's extra functions (include, tpl,
// required, toYaml, fromYaml, toJson, fromJson, lookup), missingkey=zero
// with "<no value>" removed, values converted through JSON (numbers become
// float64 as in Helm), partials (files starting with "_") not rendered.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	yaml2 "gopkg.in/yaml.v2"
)

type chart struct {
	dir    string
	meta   map[string]interface{}
	values map[string]interface{}
	files  map[string]string // templates/... -> text
	schema []byte
	// cluster: what lookup finds (nil: nothing, as under helm template).
	cluster []map[string]interface{}
}

type release struct {
	Name      string
	Namespace string
}

// toJSONValue converts YAML-decoded data to what encoding/json yields
// (map[string]interface{}, float64), as Helm's values are.
func toJSONValue(v interface{}) (interface{}, error) {
	var conv func(interface{}) interface{}
	conv = func(x interface{}) interface{} {
		switch t := x.(type) {
		case map[interface{}]interface{}:
			m := map[string]interface{}{}
			for k, v := range t {
				m[fmt.Sprint(k)] = conv(v)
			}
			return m
		case []interface{}:
			for i := range t {
				t[i] = conv(t[i])
			}
			return t
		}
		return x
	}
	b, err := json.Marshal(conv(v))
	if err != nil {
		return nil, err
	}
	var out interface{}
	err = json.Unmarshal(b, &out)
	return out, err
}

func parseYAMLMap(text []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml2.Unmarshal(text, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	v, err := toJSONValue(raw)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("not a mapping")
	}
	return m, nil
}

func loadChart(dir string) (*chart, error) {
	c := &chart{dir: dir, files: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	if c.meta, err = parseYAMLMap(b); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %v", err)
	}
	if b, err = os.ReadFile(filepath.Join(dir, "values.yaml")); err != nil {
		return nil, err
	}
	if c.values, err = parseYAMLMap(b); err != nil {
		return nil, fmt.Errorf("values.yaml: %v", err)
	}
	c.schema, _ = os.ReadFile(filepath.Join(dir, "values.schema.json"))
	entries, err := os.ReadDir(filepath.Join(dir, "templates"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		t, err := os.ReadFile(filepath.Join(dir, "templates", e.Name()))
		if err != nil {
			return nil, err
		}
		c.files["templates/"+e.Name()] = string(t)
	}
	return c, nil
}

// mergeValues overlays src on dst the way Helm coalesces user values over
// the chart's: maps merge key by key, anything else replaces; null deletes.
func mergeValues(dst, src map[string]interface{}) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := dst[k].(map[string]interface{})
		if sok && dok {
			mergeValues(dm, sm)
		} else {
			dst[k] = v
		}
	}
}

func toYAML(v interface{}) string {
	b, err := yaml2.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

// rendered is one output file of the chart.
type rendered struct {
	Name string // warmpool/templates/x.yaml
	Text string
}

func (c *chart) name() string { return fmt.Sprint(c.meta["name"]) }

// render returns every non-partial template rendered with values (already
// merged and validated) for rel.
func (c *chart) render(values map[string]interface{}, rel release) ([]rendered, error) {
	chartName := c.name()
	chartObj := map[string]interface{}{}
	for k, v := range c.meta { // Helm exposes Chart.yaml fields capitalised
		chartObj[strings.ToUpper(k[:1])+k[1:]] = v
	}
	top := map[string]interface{}{
		"Values": values,
		"Chart":  chartObj,
		"Release": map[string]interface{}{
			"Name": rel.Name, "Namespace": rel.Namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.29.0", "Major": "1", "Minor": "29", "GitVersion": "v1.29.0"},
			"APIVersions": apiVersions{},
		},
		"Files": files{c},
	}
	root := template.New("gotpl")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	includedNames := map[string]int{}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		if includedNames[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		includedNames[name]++
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, data)
		includedNames[name]--
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, data)
		return strings.ReplaceAll(buf.String(), "<no value>", ""), err
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m, err := parseYAMLMap([]byte(s))
		if err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		return m
	}
	funcs["toJson"] = func(v interface{}) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	funcs["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["lookup"] = c.lookup
	root.Funcs(funcs).Option("missingkey=zero")

	names := make([]string, 0, len(c.files))
	for n := range c.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		full := chartName + "/" + n
		if _, err := root.New(full).Parse(c.files[n]); err != nil {
			return nil, err
		}
	}
	var out []rendered
	for _, n := range names {
		base := filepath.Base(n)
		if strings.HasPrefix(base, "_") {
			continue
		}
		full := chartName + "/" + n
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": full, "BasePath": chartName + "/templates"}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, full, data); err != nil {
			return nil, err
		}
		out = append(out, rendered{full, strings.ReplaceAll(buf.String(), "<no value>", "")})
	}
	return out, nil
}

type apiVersions struct{}

// Has answers for the groups every supported cluster serves.
func (apiVersions) Has(v string) bool {
	return strings.HasPrefix(v, "apps/v1") || strings.HasPrefix(v, "v1") || strings.HasPrefix(v, "policy/v1")
}

type files struct{ c *chart }

func (f files) Get(name string) string {
	b, err := os.ReadFile(filepath.Join(f.c.dir, name))
	if err != nil {
		return ""
	}
	return string(b)
}

// lookup answers like Helm's: one object by name, or {"items": [...]} for
// an empty name (namespace "" = all namespaces), from c.cluster.
func (c *chart) lookup(apiVersion, kind, ns, name string) (map[string]interface{}, error) {
	var items []interface{}
	for _, o := range c.cluster {
		meta, _ := o["metadata"].(map[string]interface{})
		if o["apiVersion"] != apiVersion || o["kind"] != kind || (ns != "" && meta["namespace"] != ns) {
			continue
		}
		if name == "" {
			items = append(items, o)
		} else if meta["name"] == name {
			return o, nil
		}
	}
	if name == "" && items != nil {
		return map[string]interface{}{"items": items}, nil
	}
	return map[string]interface{}{}, nil
}
