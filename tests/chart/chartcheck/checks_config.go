// The rule and plugin ConfigMaps: what the programs will read.
package main

import (
	"reflect"
	"strings"
)

func (c *checker) configMaps(ms []manifest, v map[string]interface{}) {
	var rules, plugins *manifest
	for i, m := range ms {
		if m.kind() == "ConfigMap" && strings.HasSuffix(m.name(), "-rules") {
			rules = &ms[i]
		}
		if m.kind() == "ConfigMap" && strings.HasSuffix(m.name(), "-plugins") {
			plugins = &ms[i]
		}
	}
	if rules == nil {
		c.expect(false, "no rules ConfigMap")
		return
	}
	got, err := parseYAMLMap([]byte(str(rules.Obj, "data", "rules.yaml")))
	c.expect(err == nil, "rules.yaml: %v", err)
	want := map[string]interface{}{}
	r := get(v, "rules").(map[string]interface{})
	if d := list(r, "allowedLabelDomains"); len(d) > 0 {
		want["allowedLabelDomains"] = d
	}
	if n, _ := r["maxPoolReplicas"].(float64); n > 0 {
		want["maxPoolReplicas"] = n
	}
	if g, _ := r["groups"].(map[string]interface{}); len(g) > 0 {
		want["rules"] = g
	}
	c.expect(reflect.DeepEqual(got, want), "rules.yaml is %v, want %v", got, want)
	enabled := get(v, "plugins", "enabled") == true
	c.expect(enabled == (plugins != nil), "plugins ConfigMap present: %v, plugins.enabled: %v", plugins != nil, enabled)
	if plugins != nil {
		pc, err := parseYAMLMap([]byte(str(plugins.Obj, "data", "plugins.yaml")))
		c.expect(err == nil && reflect.DeepEqual(pc["plugins"], get(v, "plugins", "config")), "plugins.yaml does not hold plugins.config")
	}
}
