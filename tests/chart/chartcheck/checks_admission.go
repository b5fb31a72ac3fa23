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
	case "selfManaged":
		c.selfManaged(who, wc, cc, dep, ms)
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

// rbac compares the permissions bound to each ServiceAccount with the
// scan of its program's code, exactly: the controller's always, the
// webhook's (webhook/selfcert.c) in self-managed mode, else none.
func (c *checker) rbac(ms []manifest, mode string) {
	want := map[string][]perm{}
	var errs []string
	want["controller"], errs = controllerPerms(c.root)
	if mode == "selfManaged" {
		var e2 []string
		want["webhook"], e2 = webhookPerms(c.root)
		errs = append(errs, e2...)
		c.expect(len(want["webhook"]) > 0, "RBAC scan found no API call in webhook/ for self-managed mode")
	}
	for _, e := range errs {
		c.expect(false, "RBAC scan: %s", e)
	}
	have := map[string]map[perm]bool{"controller": {}, "webhook": {}}
	for _, b := range append(findAll(ms, "ClusterRoleBinding"), findAll(ms, "RoleBinding")...) {
		roleKind, roleName := str(b.Obj, "roleRef", "kind"), str(b.Obj, "roleRef", "name")
		role := find(ms, roleKind, roleName)
		c.expect(role != nil, "%s: role %s/%s not in the chart", b.name(), roleKind, roleName)
		if role == nil {
			continue
		}
		for _, sub := range list(b.Obj, "subjects") {
			who := sub.(obj)["name"].(string)
			who = who[strings.LastIndex(who, "-")+1:]
			c.expect(have[who] != nil && str(sub, "namespace") == c.ns, "%s binds unknown subject %v", b.name(), sub)
			if have[who] != nil {
				c.ruleSet(role, roleKind, have[who])
			}
		}
	}
	for who, perms := range have {
		for _, p := range want[who] {
			c.expect(perms[p], "RBAC lacks %s for the %s (its code calls it)", p, who)
			delete(perms, p)
		}
		for _, p := range sortedPerms(perms) {
			c.expect(false, "RBAC grants the %s %s, which its code never calls", who, p)
		}
	}
}

// ruleSet adds role's rules to set, checking no wildcard is used, namespaced
// Roles hold only namespaced kinds of the release, and every get/update of
// a single well-known object is limited by resourceNames.
func (c *checker) ruleSet(role *manifest, roleKind string, set map[perm]bool) {
	namespacedOnly := map[string]bool{"leases": true, "secrets": true}
	for _, r := range list(role.Obj, "rules") {
		names := strs(r, "resourceNames")
		for _, g := range strs(r, "apiGroups") {
			for _, res := range strs(r, "resources") {
				for _, verb := range strs(r, "verbs") {
					c.expect(g != "*" && res != "*" && verb != "*", "%s: wildcard", role.name())
					p := perm{g, res, verb}
					set[p] = true
					c.expect((roleKind == "Role") == namespacedOnly[res], "%s: %s belongs in a Role of the release namespace only", role.name(), p)
					singleton := res == "secrets" || strings.HasSuffix(res, "webhookconfigurations")
					if singleton && (verb == "get" || verb == "update") {
						c.expect(len(names) == 1, "%s: %s must be limited to one resourceName", role.name(), p)
					}
				}
			}
		}
	}
}

// selfManaged: the webhook is told to manage exactly this configuration,
// a Secret its RBAC names, and a certificate for the Service it sits behind;
// it writes the files into a volume of its own.
func (c *checker) selfManaged(who string, wc *manifest, cc interface{}, dep obj, ms []manifest) {
	c.expect(str(wc.Obj, "metadata", "annotations", "cert-manager.io/inject-ca-from") == "", "%s: inject-ca-from in selfManaged mode", who)
	c.expect(find(ms, "Certificate", "") == nil, "%s: Certificate rendered in selfManaged mode", who)
	c.expect(str(cc, "caBundle") == c.liveBundle[wc.kind()], "%s: caBundle %q, want the live one %q", who, str(cc, "caBundle"), c.liveBundle[wc.kind()])
	args := strs(dep, "spec", "template", "spec", "containers", 0, "args")
	cfg, _ := argValue(args, "self-managed-webhook-configuration")
	c.expect(cfg == wc.name(), "%s: --self-managed-webhook-configuration=%q", who, cfg)
	secret, _ := argValue(args, "self-managed-secret")
	c.expect(secret != "" && strings.HasPrefix(secret, c.ns+"/"), "%s: --self-managed-secret=%q", who, secret)
	hosts, _ := argValue(args, "self-managed-hosts")
	svc := str(cc, "service", "name") + "." + c.ns + ".svc"
	c.expect(strings.Contains(","+hosts+",", ","+svc+","), "%s: --self-managed-hosts=%q lacks %s", who, hosts, svc)
	for _, vol := range list(dep, "spec", "template", "spec", "volumes") {
		if str(vol, "name") == "tls" {
			c.expect(get(vol, "emptyDir") != nil, "%s: certificate volume is not an emptyDir", who)
		}
	}
	role := find(ms, "Role", str(cc, "service", "name")+"-certs")
	ok := false
	for _, r := range list(role.Obj, "rules") {
		ok = ok || strings.Join(strs(r, "resourceNames"), ",") == strings.TrimPrefix(secret, c.ns+"/")
	}
	c.expect(ok, "%s: the webhook's Role does not name the Secret %q", who, secret)
}
