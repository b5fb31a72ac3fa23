// Schema compatibility of charts/warmpool/crds with upstream agent-sandbox's
// CRDs (read from the reference folder, never copied): names, scope,
// subresources, and at every schema path both define: type, required,
// enum and default; and every upstream example of the four kinds is valid
// against the chart's schema (structural validation as the API server
// does it: unknown fields are errors unless preserve-unknown-fields).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// loadDocs reads every YAML document of the .yaml files under dir.
func loadDocs(dir string) ([]manifest, error) {
	var files []rendered
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		b, err := os.ReadFile(p)
		files = append(files, rendered{p, string(b)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return parseManifests(files)
}

func crdVersion(crd obj, version string) obj {
	for _, v := range list(crd, "spec", "versions") {
		if str(v, "name") == version {
			return v.(obj)
		}
	}
	return nil
}

// compareSchemas walks both schemas where both define a node.
func compareSchemas(path string, ours, theirs interface{}, fails *[]string) {
	o, _ := ours.(obj)
	t, _ := theirs.(obj)
	if o == nil || t == nil {
		return
	}
	if ot, tt := str(o, "type"), str(t, "type"); ot != "" && tt != "" && ot != tt {
		*fails = append(*fails, fmt.Sprintf("%s: type %s, upstream %s", path, ot, tt))
	}
	sorted := func(v interface{}) []string {
		s := strs(v)
		sort.Strings(s)
		return s
	}
	// required and enum: compared where the chart spells the node out
	if o["properties"] != nil && !reflect.DeepEqual(sorted(o["required"]), sorted(t["required"])) {
		*fails = append(*fails, fmt.Sprintf("%s: required %v, upstream %v", path, sorted(o["required"]), sorted(t["required"])))
	}
	if (o["enum"] != nil || t["enum"] != nil) && !reflect.DeepEqual(sorted(o["enum"]), sorted(t["enum"])) {
		*fails = append(*fails, fmt.Sprintf("%s: enum %v, upstream %v", path, sorted(o["enum"]), sorted(t["enum"])))
	}
	if !reflect.DeepEqual(o["default"], t["default"]) && (o["properties"] != nil || o["default"] != nil || t["default"] != nil) {
		if o["default"] != nil || str(o, "type") != "object" {
			*fails = append(*fails, fmt.Sprintf("%s: default %v, upstream %v", path, o["default"], t["default"]))
		}
	}
	op, _ := o["properties"].(obj)
	tp, _ := t["properties"].(obj)
	for k, v := range op {
		compareSchemas(path+"."+k, v, tp[k], fails)
	}
	compareSchemas(path+"[]", o["items"], t["items"], fails)
}

// validateK8s checks v against a CRD structural schema.
func validateK8s(s obj, v interface{}, path string, fails *[]string) {
	if s == nil {
		return
	}
	fail := func(f string, a ...interface{}) { *fails = append(*fails, path+": "+fmt.Sprintf(f, a...)) }
	if v == nil {
		if get(s, "nullable") != true {
			fail("null")
		}
		return
	}
	if get(s, "x-kubernetes-int-or-string") == true {
		switch v.(type) {
		case int, string:
		default:
			fail("must be an integer or a string")
		}
		return
	}
	typ := str(s, "type")
	ok := true
	switch v.(type) {
	case obj:
		ok = typ == "object" || typ == ""
	case []interface{}:
		ok = typ == "array" || typ == ""
	case string:
		ok = typ == "string" || typ == ""
	case int:
		ok = typ == "integer" || typ == "number" || typ == ""
	case float64:
		ok = typ == "number" || typ == ""
	case bool:
		ok = typ == "boolean" || typ == ""
	}
	if !ok {
		fail("type %T, schema %s", v, typ)
		return
	}
	if e := list(s, "enum"); e != nil {
		found := false
		for _, x := range e {
			found = found || reflect.DeepEqual(x, v)
		}
		if !found {
			fail("%v not in enum %v", v, e)
		}
	}
	if p := str(s, "pattern"); p != "" {
		if sv, isStr := v.(string); isStr && !regexp.MustCompile(p).MatchString(sv) {
			fail("%q does not match %s", sv, p)
		}
	}
	switch t := v.(type) {
	case []interface{}:
		it, _ := s["items"].(obj)
		for i, x := range t {
			validateK8s(it, x, fmt.Sprintf("%s[%d]", path, i), fails)
		}
	case obj:
		for _, r := range strs(s, "required") {
			if _, has := t[r]; !has {
				fail("required field %q missing", r)
			}
		}
		props, _ := s["properties"].(obj)
		addl, _ := s["additionalProperties"].(obj)
		for k, x := range t {
			if path == "" && k == "metadata" {
				continue
			}
			switch {
			case props[k] != nil:
				validateK8s(props[k].(obj), x, path+"."+k, fails)
			case addl != nil:
				validateK8s(addl, x, path+"."+k, fails)
			case get(s, "x-kubernetes-preserve-unknown-fields") == true:
			default:
				fail("unknown field %q", k)
			}
		}
	}
}

func crdsCmd(chartCRDs, reference string) int {
	if _, err := os.Stat(filepath.Join(reference, "crds")); err != nil {
		fmt.Printf("SKIP: no upstream reference at %s\n", reference)
		return 77
	}
	ours, err := loadDocs(chartCRDs)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	theirs, err := loadDocs(filepath.Join(reference, "crds"))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	failed := 0
	report := func(name string, fails []string) {
		if len(fails) == 0 {
			fmt.Printf("ok   %s\n", name)
			return
		}
		failed++
		fmt.Printf("FAIL %s\n  %s\n", name, strings.Join(fails, "\n  "))
	}
	byKind := map[string]obj{}
	for _, t := range theirs {
		o := find(ours, "CustomResourceDefinition", t.name())
		if o == nil {
			report("crd "+t.name(), []string{"not in the chart"})
			continue
		}
		byKind[str(o.Obj, "spec", "names", "kind")] = o.Obj
		report("crd "+t.name(), compareCRD(o.Obj, t.Obj))
	}
	examples, err := loadDocs(filepath.Join(reference, "examples"))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	n := 0
	for _, ex := range examples {
		crd := byKind[ex.kind()]
		if crd == nil || !strings.HasSuffix(str(ex.Obj, "apiVersion"), "/v1beta1") {
			continue
		}
		n++
		var fails []string
		validateK8s(get(crdVersion(crd, "v1beta1"), "schema", "openAPIV3Schema").(obj), ex.Obj, "", &fails)
		rel, _ := filepath.Rel(reference, ex.Source)
		report(fmt.Sprintf("example %s %s/%s", rel, ex.kind(), ex.name()), fails)
	}
	fmt.Printf("%d of %d CRDs and %d examples failed\n", failed, len(theirs), n)
	if n == 0 || failed > 0 {
		return 1
	}
	return 0
}

func compareCRD(o, t obj) []string {
	var fails []string
	for _, p := range [][]interface{}{{"spec", "group"}, {"spec", "scope"}, {"spec", "names", "kind"}, {"spec", "names", "plural"}, {"spec", "names", "listKind"}, {"spec", "names", "singular"}} {
		if !reflect.DeepEqual(get(o, p...), get(t, p...)) {
			fails = append(fails, fmt.Sprintf("%v: %v, upstream %v", p, get(o, p...), get(t, p...)))
		}
	}
	ov, tv := crdVersion(o, "v1beta1"), crdVersion(t, "v1beta1")
	if ov == nil || tv == nil {
		return append(fails, "v1beta1 missing")
	}
	if !reflect.DeepEqual(ov["subresources"], tv["subresources"]) {
		fails = append(fails, fmt.Sprintf("subresources %v, upstream %v", ov["subresources"], tv["subresources"]))
	}
	compareSchemas("", get(ov, "schema", "openAPIV3Schema"), get(tv, "schema", "openAPIV3Schema"), &fails)
	return fails
}
