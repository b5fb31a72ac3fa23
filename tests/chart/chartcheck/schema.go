// A JSON Schema (draft-07) validator for the keywords values.schema.json
// uses: type, properties, additionalProperties (bool or schema), required,
// enum, const, not, pattern, minimum, maximum, minLength, items. A keyword
// it does not know is an error, so the schema cannot silently outgrow it.
package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

var knownKeywords = map[string]bool{
	"$schema": true, "title": true, "description": true, "type": true, "properties": true,
	"additionalProperties": true, "required": true, "enum": true, "const": true, "not": true,
	"pattern": true, "minimum": true, "maximum": true, "minLength": true, "items": true,
}

func jsonType(v interface{}) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if t == float64(int64(t)) {
			return "integer"
		}
		return "number"
	case []interface{}:
		return "array"
	case map[string]interface{}:
		return "object"
	}
	return "unknown"
}

func typeMatches(want, got string) bool {
	return want == got || (want == "number" && got == "integer")
}

// validate appends to errs one line per violation at path.
func validate(schema map[string]interface{}, v interface{}, path string, errs *[]string) {
	for k := range schema {
		if !knownKeywords[k] {
			*errs = append(*errs, fmt.Sprintf("%s: schema keyword %q not supported by this validator", path, k))
		}
	}
	fail := func(f string, a ...interface{}) { *errs = append(*errs, path+": "+fmt.Sprintf(f, a...)) }
	got := jsonType(v)
	if t, ok := schema["type"]; ok {
		var types []string
		switch tt := t.(type) {
		case string:
			types = []string{tt}
		case []interface{}:
			for _, x := range tt {
				types = append(types, x.(string))
			}
		}
		ok := false
		for _, w := range types {
			ok = ok || typeMatches(w, got)
		}
		if !ok {
			fail("invalid type: expected %s, given %s", strings.Join(types, " or "), got)
			return
		}
	}
	if e, ok := schema["enum"].([]interface{}); ok {
		found := false
		for _, x := range e {
			found = found || reflect.DeepEqual(x, v)
		}
		if !found {
			b, _ := json.Marshal(e)
			fail("must be one of %s", b)
		}
	}
	if c, ok := schema["const"]; ok && !reflect.DeepEqual(c, v) {
		fail("must be %v", c)
	}
	if n, ok := schema["not"].(map[string]interface{}); ok {
		var sub []string
		validate(n, v, path, &sub)
		if len(sub) == 0 {
			fail("must not match %v", n)
		}
	}
	if s, ok := v.(string); ok {
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(s) {
			fail("does not match pattern %q", p)
		}
		if m, ok := schema["minLength"].(float64); ok && float64(len([]rune(s))) < m {
			fail("shorter than %v", m)
		}
	}
	if n, ok := v.(float64); ok {
		if m, ok := schema["minimum"].(float64); ok && n < m {
			fail("must be >= %v", m)
		}
		if m, ok := schema["maximum"].(float64); ok && n > m {
			fail("must be <= %v", m)
		}
	}
	if a, ok := v.([]interface{}); ok {
		if it, ok := schema["items"].(map[string]interface{}); ok {
			for i, x := range a {
				validate(it, x, fmt.Sprintf("%s[%d]", path, i), errs)
			}
		}
	}
	if o, ok := v.(map[string]interface{}); ok {
		validateObject(schema, o, path, errs)
	}
}

func validateObject(schema map[string]interface{}, o map[string]interface{}, path string, errs *[]string) {
	props, _ := schema["properties"].(map[string]interface{})
	if req, ok := schema["required"].([]interface{}); ok {
		for _, r := range req {
			if _, ok := o[r.(string)]; !ok {
				*errs = append(*errs, fmt.Sprintf("%s: missing required property %q", path, r))
			}
		}
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sub := path + "." + k
		if p, ok := props[k].(map[string]interface{}); ok {
			validate(p, o[k], sub, errs)
			continue
		}
		switch ap := schema["additionalProperties"].(type) {
		case bool:
			if !ap {
				*errs = append(*errs, fmt.Sprintf("%s: additional property %q is not allowed", path, k))
			}
		case map[string]interface{}:
			validate(ap, o[k], sub, errs)
		}
	}
}

// validateValues checks values against the chart's schema (as Helm does
// before rendering); nil when valid.
func validateValues(schemaJSON []byte, values map[string]interface{}) []string {
	if len(schemaJSON) == 0 {
		return nil
	}
	var schema map[string]interface{}
	if err := json.Unmarshal(schemaJSON, &schema); err != nil {
		return []string{"values.schema.json: " + err.Error()}
	}
	var errs []string
	validate(schema, values, "values", &errs)
	return errs
}
