"""PATCH: JSON Patch (RFC 6902), merge patch (RFC 7386), strategic merge
(built-in kinds only), apply; plus the patch functions on their own."""
import unittest

from testlib import ServerTestCase, claim, path, pod, warm_pool
from kapi import patch as P


class JsonPatchFunctions(unittest.TestCase):
    def test_add_replace_remove(self):
        doc = {"a": {"b": [1, 2]}, "c": "x"}
        out = P.apply_json_patch(doc, [
            {"op": "add", "path": "/a/b/1", "value": 9},
            {"op": "add", "path": "/a/b/-", "value": 3},
            {"op": "replace", "path": "/c", "value": {"d": None}},
            {"op": "remove", "path": "/a/b/0"},
            {"op": "add", "path": "/new~1key~0x", "value": True}])
        self.assertEqual(out, {"a": {"b": [9, 2, 3]}, "c": {"d": None}, "new/key~x": True})
        self.assertEqual(doc, {"a": {"b": [1, 2]}, "c": "x"}, "input must not change")

    def test_move_copy_test(self):
        doc = {"from": {"k": [1]}, "to": {}}
        out = P.apply_json_patch(doc, [
            {"op": "copy", "from": "/from/k", "path": "/to/k"},
            {"op": "move", "from": "/from", "path": "/moved"},
            {"op": "test", "path": "/moved/k/0", "value": 1.0},
            {"op": "test", "path": "/to", "value": {"k": [1]}}])
        self.assertEqual(out, {"to": {"k": [1]}, "moved": {"k": [1]}})

    def test_add_to_root_and_replace_root(self):
        self.assertEqual(P.apply_json_patch({"a": 1}, [{"op": "add", "path": "", "value": [1]}]),
                         [1])
        self.assertEqual(P.apply_json_patch({}, [{"op": "replace", "path": "", "value": 2}]), 2)

    def test_failures(self):
        cases = [
            ([{"op": "remove", "path": "/missing"}], "missing path"),
            ([{"op": "replace", "path": "/missing", "value": 1}], "missing path"),
            ([{"op": "add", "path": "/a/b", "value": 1}], "missing path"),
            ([{"op": "add", "path": "/l/5", "value": 1}], "out of bounds"),
            ([{"op": "add", "path": "/l/01", "value": 1}], "invalid array index"),
            ([{"op": "test", "path": "/l", "value": [2]}], "test failed"),
            ([{"op": "test", "path": "/t", "value": 1}], "test failed"),
            ([{"op": "move", "from": "/l", "path": "/l/0"}], "own child"),
            ([{"op": "add", "path": "x", "value": 1}], "start with"),
        ]
        for ops, fragment in cases:
            with self.assertRaises(P.PatchError, msg=ops) as ctx:
                P.apply_json_patch({"l": [1], "t": True}, ops)
            self.assertIn(fragment, str(ctx.exception), ops)

    def test_malformed(self):
        for bad in (b"{}", b"[{}]", b'[{"op":"jump","path":"/a"}]', b'[{"op":"add"}]',
                    b'[{"op":"add","path":"/a"}]', b'[{"op":"move","path":"/a"}]', b"nope"):
            with self.assertRaises(P.PatchError, msg=bad) as ctx:
                P.decode_json_patch(bad)
            self.assertTrue(ctx.exception.malformed)


class MergeAndStrategicFunctions(unittest.TestCase):
    def test_merge_patch(self):
        doc = {"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]}
        self.assertEqual(P.apply_merge_patch(doc, {"a": "z", "c": {"f": None}, "l": [3]}),
                         {"a": "z", "c": {"d": "e"}, "l": [3]})
        self.assertEqual(P.apply_merge_patch({"a": 1}, {"a": {"b": None, "c": 2}}),
                         {"a": {"c": 2}})
        self.assertEqual(P.apply_merge_patch([1], {"a": 1}), {"a": 1})

    def test_strategic_merges_lists_by_key(self):
        doc = {"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}],
                        "tolerations": [{"key": "x"}]},
               "metadata": {"finalizers": ["f1"]}}
        patch = {"spec": {"containers": [{"name": "b", "image": "3"}, {"name": "c", "image": "4"},
                                         {"name": "a", "$patch": "delete"}],
                          "tolerations": [{"key": "y"}]},
                 "metadata": {"finalizers": ["f2"]}}
        out = P.apply_strategic_merge_patch(doc, patch)
        self.assertEqual(out["spec"]["containers"], [{"name": "b", "image": "3"},
                                                     {"name": "c", "image": "4"}])
        self.assertEqual(out["spec"]["tolerations"], [{"key": "y"}])
        self.assertEqual(out["metadata"]["finalizers"], ["f1", "f2"])

    def test_strategic_directives(self):
        doc = {"m": {"a": 1, "b": 2}, "f": ["x", "y", "z"], "keep": {"p": 1, "q": 2},
               "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
        out = P.apply_strategic_merge_patch(doc, {
            "m": {"$patch": "replace", "c": 3},
            "$deleteFromPrimitiveList/f": ["y"],
            "keep": {"$retainKeys": ["p"], "p": 5},
            "$setElementOrder/env": [{"name": "B"}, {"name": "A"}],
            "env": [{"name": "A", "value": "9"}]})
        self.assertEqual(out["m"], {"c": 3})
        self.assertEqual(out["f"], ["x", "z"])
        self.assertEqual(out["keep"], {"p": 5})
        self.assertEqual(out["env"], [{"name": "B", "value": "2"}, {"name": "A", "value": "9"}])


class PatchRequests(ServerTestCase):
    def test_merge_patch(self):
        self.create("sandboxclaims", claim("c", labels={"a": "1", "b": "2"}))
        out = self.patch("sandboxclaims", "c", {"metadata": {"labels": {"a": None, "c": "3"}},
                                                "spec": {"env": [{"name": "X", "value": "1"}]}})
        self.assertEqual(out["metadata"]["labels"], {"b": "2", "c": "3"})
        self.assertEqual(out["spec"]["env"], [{"name": "X", "value": "1"}])

    def test_json_patch_and_its_errors(self):
        self.create("sandboxclaims", claim("c"))
        out = self.patch("sandboxclaims", "c", [
            {"op": "add", "path": "/metadata/annotations", "value": {}},
            {"op": "add", "path": "/metadata/annotations/a~1b", "value": "v"},
            {"op": "replace", "path": "/spec/warmPoolRef/name", "value": "other"}], "json")
        self.assertEqual(out["metadata"]["annotations"], {"a/b": "v"})
        self.assertEqual(out["spec"]["warmPoolRef"]["name"], "other")
        r = self.kube.patch(path("sandboxclaims", self.ns, "c"),
                            [{"op": "test", "path": "/spec/warmPoolRef/name", "value": "x"}],
                            "json")
        self.assertStatus(r, 422, "Invalid")
        r = self.kube.patch(path("sandboxclaims", self.ns, "c"), {"op": "add"}, "json")
        self.assertStatus(r, 400, "BadRequest")

    def test_json_patch_test_op_as_optimistic_lock(self):
        created = self.create("sandboxclaims", claim("c"))
        rv = created["metadata"]["resourceVersion"]
        ops = [{"op": "test", "path": "/metadata/resourceVersion", "value": rv},
               {"op": "add", "path": "/metadata/labels", "value": {"k": "v"}}]
        self.patch("sandboxclaims", "c", ops, "json")
        r = self.kube.patch(path("sandboxclaims", self.ns, "c"), ops, "json")
        self.assertStatus(r, 422, "Invalid")

    def test_patch_with_resource_version_is_a_precondition(self):
        created = self.create("sandboxclaims", claim("c"))
        self.patch("sandboxclaims", "c", {"metadata": {"labels": {"x": "1"}}})
        r = self.kube.patch(path("sandboxclaims", self.ns, "c"), {"metadata": {
            "resourceVersion": created["metadata"]["resourceVersion"], "labels": {"x": "2"}}})
        self.assertStatus(r, 409, "Conflict")

    def test_strategic_merge_only_for_builtin_kinds(self):
        self.create("sandboxclaims", claim("c"))
        r = self.kube.patch(path("sandboxclaims", self.ns, "c"), {"spec": {}}, "strategic")
        self.assertStatus(r, 415, "UnsupportedMediaType",
                          "the body of the request was in an unknown format - accepted media "
                          "types include: application/json-patch+json, "
                          "application/merge-patch+json, application/apply-patch+yaml")
        body = pod("p", labels={"a": "b"})
        body["spec"]["containers"].append({"name": "side", "image": "busybox"})
        self.create("pods", body)
        out = self.patch("pods", "p", {"spec": {"containers": [
            {"name": "side", "image": "busybox:2"}]}}, "strategic")
        self.assertEqual([(c["name"], c["image"]) for c in out["spec"]["containers"]],
                         [("main", "busybox:1.36"), ("side", "busybox:2")])

    def test_patch_missing_object_is_404_and_bad_content_type_415(self):
        r = self.kube.patch(path("sandboxclaims", self.ns, "ghost"), {"a": 1})
        self.assertStatus(r, 404, "NotFound")
        r = self.kube.request("PATCH", path("sandboxclaims", self.ns, "ghost"), b"{}",
                              content_type="text/plain")
        self.assertStatus(r, 415, "UnsupportedMediaType")

    def test_patch_cannot_rename(self):
        self.create("sandboxclaims", claim("c"))
        r = self.kube.patch(path("sandboxclaims", self.ns, "c"), {"metadata": {"name": "d"}})
        self.assertStatus(r, 400, "BadRequest")

    def test_apply_patch_creates_then_merges(self):
        body = warm_pool("p", replicas=3)
        r = self.kube.patch(path("sandboxwarmpools", self.ns, "p"), body, "apply")
        self.assertStatus(r, 422, "Invalid")
        q = "fieldManager=test"
        created = self.patch("sandboxwarmpools", "p", body, "apply", query=q, expect=201)
        self.assertEqual(created["spec"]["replicas"], 3)
        body["spec"]["replicas"] = 4
        updated = self.patch("sandboxwarmpools", "p", body, "apply", query=q)
        self.assertEqual(updated["spec"]["replicas"], 4)
        self.assertEqual(updated["metadata"]["uid"], created["metadata"]["uid"])

    def test_status_patch_with_json_patch(self):
        self.create("sandboxclaims", claim("c"))
        out = self.patch("sandboxclaims", "c", [
            {"op": "add", "path": "/status", "value": {"sandbox": {"name": "sb"}}}],
            "json", sub="status")
        self.assertEqual(out["status"], {"sandbox": {"name": "sb"}})

    def test_namespace_strategic_patch(self):
        out = self.patch("namespaces", self.ns, {"metadata": {"labels": {"team": "a"}}},
                         "strategic")
        self.assertEqual(out["metadata"]["labels"]["team"], "a")
        self.assertEqual(out["metadata"]["labels"]["kubernetes.io/metadata.name"], self.ns)


if __name__ == "__main__":
    unittest.main()
