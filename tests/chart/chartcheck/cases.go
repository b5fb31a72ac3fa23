// The renderings checkCmd tries and what each must give.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
)

const testNS = "warmpool-system"

func y(text string) map[string]interface{} {
	m, err := parseYAMLMap([]byte(text))
	if err != nil {
		panic(err)
	}
	return m
}

// good renderings: values that must pass the schema, render, and meet
// every check.
var goodCases = []struct {
	name, mode, values, cluster string
}{
	{"defaults", "certManager", ``, ""},
	{"secret", "secret", "certificates: {mode: secret, secretName: my-webhook-tls, caBundle: TFMwdExTMUNSVWRKVGc9PQ==}", ""},
	{"besideUpstream", "certManager", "controller: {besideUpstream: true, controllers: [template, pool, claim]}", upstreamLease},
	{"builtinPlugins", "certManager", "plugins: {enabled: true, config: [{name: oci, kind: digest-resolver, path: /usr/lib/warmpool/plugins/resolver_oci.so}]}", ""},
	{"volumePlugins", "certManager", "plugins: {enabled: true, source: volume, volume: {persistentVolumeClaim: {claimName: p}}}", ""},
	{"selfManaged", "selfManaged", "certificates: {mode: selfManaged}", ""},
	{"selfManagedUpgrade", "selfManaged", "certificates: {mode: selfManaged}", liveConfigs},
	{"issuerRef", "certManager", "certificates: {certManager: {issuerRef: {name: corp-ca, kind: ClusterIssuer}}}", ""},
	{"everything", "certManager", `
webhook: {failurePolicy: Ignore, extraArgs: [--threads=4]}
controller: {watchNamespace: agents, extraArgs: [--kube-api-qps=50]}
rules: {allowedLabelDomains: [corp.example.com], maxPoolReplicas: 500, groups: {claim.env: warn}}
plugins:
  enabled: true
  source: image
  image: {repository: registry.example.com/warmpool-plugins, tag: "1.0"}
  config: [{name: hist, kind: history-store, path: /usr/lib/warmpool/plugins/history.so, spool: /var/lib/warmpool/history}]
history: {enabled: true, persistence: {enabled: true}}
metrics: {serviceMonitor: {enabled: true}}
logFormat: text
`, ""},
}

// bad values: the schema (or a required value) must refuse them, with an
// error that names the problem.
var badCases = []struct{ values, wantErr, cluster string }{
	{"webhok: {replicas: 3}", `additional property "webhok" is not allowed`, ""},
	{"webhook: {replica: 3}", `values.webhook: additional property "replica" is not allowed`, ""},
	{"webhook: {failurePolicy: Maybe}", `values.webhook.failurePolicy: must be one of ["Fail","Ignore"]`, ""},
	{"webhook: {replicas: 0}", `values.webhook.replicas: must be >= 1`, ""},
	{"webhook: {replicas: two}", `values.webhook.replicas: invalid type: expected integer, given string`, ""},
	{"webhook: {resources: {limits: {cpuu: 1}}}", `additional property "cpuu" is not allowed`, ""},
	{"logFormat: xml", `values.logFormat: must be one of ["json","text"]`, ""},
	{"controller: {leaderElectionID: a3317529.agent-sandbox.x-k8s.io}", `values.controller.leaderElectionID: must not match`, ""},
	{"certificates: {mode: selfsigned}", `values.certificates.mode: must be one of`, ""},
	{"rules: {groups: {claim.env: block}}", `values.rules.groups.claim.env: must be one of ["enforce","warn","off"]`, ""},
	{"rules: {groups: {claim.envv: warn}}", `values.rules.groups: additional property "claim.envv" is not allowed`, ""},
	{"image: {digest: latest}", `values.image.digest: does not match pattern`, ""},
	{"webhook: {extraArgs: [threads=4]}", `values.webhook.extraArgs[0]: does not match pattern`, ""},
	{"certificates: {mode: secret, caBundle: eA==}", `certificates.secretName is required with certificates.mode=secret`, ""},
	{"certificates: {mode: secret, secretName: s}", `certificates.caBundle (base64 PEM`, ""},
	{"plugins: {enabled: true, source: image}", `plugins.image.repository is required with plugins.source=image`, ""},
	{"controller: {controllers: [sandbox, pools]}", `values.controller.controllers[1]: must be one of`, ""},
	{"controller: {}", `upstream agent-sandbox's controller is installed (Lease agent-sandbox-system/a3317529.agent-sandbox.x-k8s.io)`, upstreamLease},
}

// upstreamLease: what a cluster running upstream's controller holds.
const upstreamLease = `{apiVersion: coordination.k8s.io/v1, kind: Lease, metadata: {name: a3317529.agent-sandbox.x-k8s.io, namespace: agent-sandbox-system}}`

// liveConfigs: the configurations as a self-managed webhook left them (an
// upgrade must keep their caBundle).
const liveConfigs = `{apiVersion: admissionregistration.k8s.io/v1, kind: ValidatingWebhookConfiguration, metadata: {name: warmpool-webhook}, webhooks: [{clientConfig: {caBundle: TElWRQ==}}]}`

func checkCmd(args []string) int {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	dir := fs.String("chart", "charts/warmpool", "chart directory")
	src := fs.String("src", ".", "source tree (for the programs' flags, paths and API calls)")
	bin := fs.String("bin", "", "directory of the built programs: run them with the rendered arguments")
	fs.Parse(args)
	c, err := loadChart(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
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
	for _, tc := range goodCases {
		c.cluster = nil
		if tc.cluster != "" {
			c.cluster = []map[string]interface{}{y(tc.cluster)}
		}
		report("render "+tc.name, checkGood(c, *src, *bin, tc.mode, y(tc.values)))
	}
	for _, tc := range badCases {
		c.cluster = nil
		if tc.cluster != "" {
			c.cluster = []map[string]interface{}{y(tc.cluster)}
		}
		report("refuse "+tc.values, checkBad(c, y(tc.values), tc.wantErr))
		c.cluster = nil
	}
	report("schema knows every rule group of common/config.c", ruleGroupsInSchema(c, *src))
	fmt.Printf("%d of %d cases failed\n", failed, len(goodCases)+len(badCases)+1)
	if failed > 0 {
		return 1
	}
	return 0
}

func checkGood(c *chart, src, bin, mode string, overlay map[string]interface{}) []string {
	v, errs := c.valuesWith(overlay)
	if len(errs) > 0 {
		return errs
	}
	out, err := c.render(v, release{"warmpool", testNS})
	if err != nil {
		return []string{err.Error()}
	}
	ms, err := parseManifests(out)
	if err != nil {
		return []string{err.Error()}
	}
	ck := &checker{root: src, ns: testNS, liveBundle: map[string]string{}}
	for _, o := range c.cluster {
		ck.liveBundle[str(o, "kind")] = str(o, "webhooks", 0, "clientConfig", "caBundle")
	}
	for _, m := range ms {
		ns := str(m.Obj, "metadata", "namespace")
		cluster := strings.HasPrefix(m.kind(), "Cluster") || strings.HasSuffix(m.kind(), "WebhookConfiguration")
		ck.expect(cluster == (ns == ""), "%s %s: namespace %q", m.kind(), m.name(), ns)
		ck.expect(ns == "" || ns == testNS, "%s %s: namespace %q is not the release's", m.kind(), m.name(), ns)
	}
	for _, p := range programs {
		ck.deployment(ms, p, mode)
	}
	ck.webhookConfigs(ms, mode, v)
	if str(v, "webhook", "failurePolicy") == "Fail" {
		ck.availability(ms)
	}
	ck.rbac(ms, mode)
	ck.configMaps(ms, v)
	ck.programsAccept(ms, bin)
	for _, r := range out {
		if strings.HasSuffix(r.Name, "NOTES.txt") {
			ck.expect(strings.Contains(r.Text, "kubectl -n "+testNS+" get lease warmpool-controller.warmpool.io"), "NOTES.txt: no Lease check")
		}
	}
	return ck.fails
}

func checkBad(c *chart, overlay map[string]interface{}, want string) []string {
	v, errs := c.valuesWith(overlay)
	got := strings.Join(errs, "\n")
	if len(errs) == 0 {
		if _, err := c.render(v, release{"warmpool", testNS}); err != nil {
			got = err.Error()
		} else {
			return []string{"accepted"}
		}
	}
	if !strings.Contains(got, want) {
		return []string{fmt.Sprintf("error %q does not say %q", got, want)}
	}
	return nil
}

// ruleGroupsInSchema: values.schema.json's rules.groups names exactly the
// groups common/config.c accepts (a new group must become settable).
func ruleGroupsInSchema(c *chart, src string) []string {
	b, err := os.ReadFile(src + "/common/config.c")
	if err != nil {
		return []string{err.Error()}
	}
	text := string(b)
	i := strings.Index(text, "group_names[")
	j := strings.Index(text[i:], "};")
	if i < 0 || j < 0 {
		return []string{"common/config.c: no group_names table"}
	}
	want := map[string]bool{}
	for _, m := range regexp.MustCompile(`\] = "([a-zA-Z.]+)",`).FindAllStringSubmatch(text[i:i+j], -1) {
		want[m[1]] = true
	}
	var schema map[string]interface{}
	if err := json.Unmarshal(c.schema, &schema); err != nil {
		return []string{err.Error()}
	}
	have, _ := get(schema, "properties", "rules", "properties", "groups", "properties").(map[string]interface{})
	var fails []string
	for g := range want {
		if have[g] == nil {
			fails = append(fails, "schema lacks rule group "+g)
		}
	}
	for g := range have {
		if !want[g] {
			fails = append(fails, "schema has rule group "+g+", which common/config.c does not know")
		}
	}
	if len(want) == 0 {
		fails = append(fails, "no rule group found in common/config.c")
	}
	return fails
}
