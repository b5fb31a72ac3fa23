// The webhook configurations, certificates and RBAC of a rendering.
package main

import (
	"regexp"
	"strings"
)

// webhookTarget returns the webhook Service and the port its "https"
// targetPort maps to.
func webhookService(ms []manifest) *manifest {
	for i, s := range ms {
		if s.kind() == "Service" && str(s.Obj, "metadata", "labels", "app.kubernetes.io/component") == "webhook" {
			return &ms[i]
		}
	}
	return nil
}

func (c *checker) webhookConfigs(ms []manifest, mode string, v map[string]interface{}) {
	svc := webhookService(ms)
	if svc == nil {
		c.expect(false, "no webhook Service")
		return
	}
	served := c.source("webhook/server.c")
	for kind, path := range map[string]string{"ValidatingWebhookConfiguration": "/validate", "MutatingWebhookConfiguration": "/mutate"} {
		wc := find(ms, kind, "")
		if wc == nil {
			c.expect(false, "no %s", kind)
			continue
		}
		c.expect(strings.Contains(served, `strcmp(url, "`+path+`")`), "webhook/server.c does not serve %s", path)
		hooks := list(wc.Obj, "webhooks")
		c.expect(len(hooks) > 0, "%s: no webhooks", kind)
		for _, h := range hooks {
			who := kind + "/" + str(h, "name")
			cc := get(h, "clientConfig")
			c.expect(str(cc, "service", "name") == svc.name(), "%s: service %q is not the webhook Service %q", who, str(cc, "service", "name"), svc.name())
			c.expect(str(cc, "service", "namespace") == c.ns, "%s: service namespace", who)
			c.expect(str(cc, "service", "path") == path, "%s: path %q, want %q", who, str(cc, "service", "path"), path)
			port, _ := get(cc, "service", "port").(int)
			ok := false
			for _, p := range list(svc.Obj, "spec", "ports") {
				ok = ok || (get(p, "port") == port && str(p, "targetPort") == "https")
			}
			c.expect(ok, "%s: port %d is not the Service's https port", who, port)
			c.expect(strings.Join(strs(h, "admissionReviewVersions"), ",") == "v1", "%s: admissionReviewVersions", who)
			c.expect(str(h, "sideEffects") == "None", "%s: sideEffects", who)
			c.expect(get(h, "timeoutSeconds") == 5, "%s: timeoutSeconds", who)
			c.expect(str(h, "failurePolicy") == str(v, "webhook", "failurePolicy"), "%s: failurePolicy %q", who, str(h, "failurePolicy"))
			if kind == "MutatingWebhookConfiguration" {
				c.expect(str(h, "reinvocationPolicy") == "IfNeeded", "%s: reinvocationPolicy", who)
			}
			c.namespaceSelector(who, get(h, "namespaceSelector"))
			c.webhookRules(who, h)
			c.caSource(who, wc, cc, mode, v, ms)
		}
	}
}

func (c *checker) namespaceSelector(who string, sel interface{}) {
	excluded := map[string]bool{}
	for _, e := range list(sel, "matchExpressions") {
		if str(e, "key") == "kubernetes.io/metadata.name" && str(e, "operator") == "NotIn" {
			for _, n := range strs(e, "values") {
				excluded[n] = true
			}
		}
	}
	c.expect(excluded[c.ns] && excluded["kube-system"], "%s: namespaceSelector must exclude %s and kube-system", who, c.ns)
}

func (c *checker) webhookRules(who string, h interface{}) {
	want := map[string]bool{"sandboxclaims": false, "sandboxwarmpools": false, "sandboxtemplates": false}
	for _, r := range list(h, "rules") {
		c.expect(strings.Join(strs(r, "apiGroups"), ",") == "extensions.agents.x-k8s.io", "%s: apiGroups", who)
		c.expect(strings.Join(strs(r, "operations"), ",") == "CREATE,UPDATE", "%s: operations", who)
		for _, res := range strs(r, "resources") {
			_, known := want[res]
			c.expect(known, "%s: unexpected resource %s", who, res)
			want[res] = true
		}
	}
	for res, seen := range want {
		c.expect(seen, "%s: %s not covered", who, res)
	}
}

// caSource: the configuration trusts the CA of the certificate the
// webhook pods mount.
func (c *checker) caSource(who string, wc *manifest, cc interface{}, mode string, v map[string]interface{}, ms []manifest) {
	dep := webhookDeployment(ms)
	mounted := ""
	for _, vol := range list(dep, "spec", "template", "spec", "volumes") {
		if str(vol, "name") == "tls" {
			mounted = str(vol, "secret", "secretName")
		}
	}
	inject := str(wc.Obj, "metadata", "annotations", "cert-manager.io/inject-ca-from")
	switch mode {
	case "certManager":
		parts := strings.SplitN(inject, "/", 2)
		c.expect(len(parts) == 2 && parts[0] == c.ns, "%s: inject-ca-from %q", who, inject)
		cert := find(ms, "Certificate", parts[len(parts)-1])
		c.expect(cert != nil, "%s: inject-ca-from names no Certificate of the chart", who)
		if cert != nil {
			c.expect(str(cert.Obj, "spec", "secretName") == mounted, "%s: the Certificate's Secret %q is not the one the webhook mounts (%q)", who, str(cert.Obj, "spec", "secretName"), mounted)
			svc := webhookService(ms).name()
			c.expect(strings.Contains(strings.Join(strs(cert.Obj, "spec", "dnsNames"), ","), svc+"."+c.ns+".svc"), "%s: certificate lacks %s.%s.svc", who, svc, c.ns)
		}
		c.expect(get(cc, "caBundle") == nil, "%s: caBundle set while cert-manager injects it", who)
	case "secret":
		c.expect(inject == "", "%s: inject-ca-from in secret mode", who)
		c.expect(str(cc, "caBundle") == str(v, "certificates", "caBundle"), "%s: caBundle", who)
		c.expect(mounted == str(v, "certificates", "secretName"), "%s: mounted Secret %q", who, mounted)
		c.expect(find(ms, "Certificate", "") == nil, "%s: Certificate rendered in secret mode", who)
	}
}

func webhookDeployment(ms []manifest) obj {
	for _, d := range findAll(ms, "Deployment") {
		if str(d.Obj, "metadata", "labels", "app.kubernetes.io/component") == "webhook" {
			return d.Obj
		}
	}
	return nil
}

// availability: 2 webhook replicas spread by anti-affinity, a PDB that
// selects them; the controller elects a leader on warmpool's own Lease.
func (c *checker) availability(ms []manifest) {
	dep := webhookDeployment(ms)
	podLabels := get(dep, "spec", "template", "metadata", "labels")
	c.expect(get(dep, "spec", "replicas") == 2, "webhook replicas")
	aff := get(dep, "spec", "template", "spec", "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution", 0, "podAffinityTerm")
	c.expect(str(aff, "topologyKey") == "kubernetes.io/hostname" && selects(get(aff, "labelSelector", "matchLabels"), podLabels), "webhook anti-affinity")
	pdb := find(ms, "PodDisruptionBudget", "")
	c.expect(pdb != nil && selects(get(pdb.Obj, "spec", "selector", "matchLabels"), podLabels), "webhook PodDisruptionBudget")
	keys := c.source("controller/keys.h")
	def := regexp.MustCompile(`#define WP_LEASE_NAME_DEFAULT "([^"]+)"`).FindStringSubmatch(keys)
	up := regexp.MustCompile(`#define WP_UPSTREAM_LEASE_NAME "([^"]+)"`).FindStringSubmatch(keys)
	for _, d := range findAll(ms, "Deployment") {
		if str(d.Obj, "metadata", "labels", "app.kubernetes.io/component") != "controller" {
			continue
		}
		args := strs(d.Obj, "spec", "template", "spec", "containers", 0, "args")
		le, _ := argValue(args, "leader-elect")
		id, _ := argValue(args, "leader-election-id")
		c.expect(le == "true", "controller: leader election off")
		c.expect(def != nil && id == def[1], "controller: Lease %q is not the controller's default", id)
		c.expect(up != nil && id != up[1], "controller: Lease is upstream's")
	}
}

// rbac compares the permissions bound to the controller's ServiceAccount
// with the scan of its code, exactly; the webhook gets none.
func (c *checker) rbac(ms []manifest) {
	want, errs := controllerPerms(c.root)
	for _, e := range errs {
		c.expect(false, "RBAC scan: %s", e)
	}
	have := map[perm]bool{}
	for _, b := range append(findAll(ms, "ClusterRoleBinding"), findAll(ms, "RoleBinding")...) {
		for _, s := range list(b.Obj, "subjects") {
			c.expect(!strings.HasSuffix(str(s, "name"), "-webhook"), "%s binds the webhook, which calls no API", b.name())
		}
		roleKind, roleName := str(b.Obj, "roleRef", "kind"), str(b.Obj, "roleRef", "name")
		role := find(ms, roleKind, roleName)
		c.expect(role != nil, "%s: role %s/%s not in the chart", b.name(), roleKind, roleName)
		if role == nil {
			continue
		}
		for _, r := range list(role.Obj, "rules") {
			for _, g := range strs(r, "apiGroups") {
				for _, res := range strs(r, "resources") {
					for _, verb := range strs(r, "verbs") {
						c.expect(g != "*" && res != "*" && verb != "*", "%s: wildcard", role.name())
						p := perm{g, res, verb}
						have[p] = true
						c.expect((roleKind == "Role") == (res == "leases"), "%s: %s must be namespaced only for the Lease", role.name(), p)
					}
				}
			}
		}
	}
	for _, p := range want {
		c.expect(have[p], "RBAC lacks %s (the controller's code calls it)", p)
		delete(have, p)
	}
	for _, p := range sortedPerms(have) {
		c.expect(false, "RBAC grants %s, which the controller's code never calls", p)
	}
}
