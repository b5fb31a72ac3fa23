"""A deleted claim is not bound again (issue 9): with background deletion
the garbage collector deletes a claim's Sandbox, and the Sandbox's delete
event can reach the controller before the claim's own. The claim
reconciler then still has the claim cached with its Sandbox gone; it must
confirm the claim with the API server (one GET) instead of adopting another
warm member (or cold-starting a Sandbox) for a claim that no longer exists.
The claim watch is held back here so that ordering happens every time."""
import time
import unittest

from harness import Cluster, wait_for
from claim_objects import claim, warm_pool, writes

ARGS = ["--controllers", "claim", "--leader-elect=false"]


def bound_to(c, ns, name):
    return c.get("SandboxClaim", ns, name).get("status", {}).get("sandbox", {}).get("name")


def controller_owner(sb):
    return [r for r in sb["metadata"].get("ownerReferences", []) if r.get("controller")]


class DeletedClaimTest(unittest.TestCase):
    def test_deleted_claims_do_not_take_more_members(self):
        with Cluster(nodes=None, controller_args=ARGS) as c:
            ns = "gone"
            members = warm_pool(c, ns, 6)
            names = ["a-%d" % i for i in range(3)]
            for n in names:
                c.create(claim(n, "pool", ns))
            wait_for(lambda: all(bound_to(c, ns, n) for n in names), 15, what="3 claims bound")
            taken = {bound_to(c, ns, n) for n in names}
            self.assertTrue(taken <= set(members))
            free = sorted(set(members) - taken)

            # The claim watch reconnects 3 s late: the Sandboxes' delete
            # events (garbage collection) arrive long before the claims'.
            c.control.delay(3000, path="/sandboxclaims$", seconds=10, methods=["GET"])
            c.control.drop_watches()
            since = time.time()
            for n in names:
                self.assertEqual(c.delete("SandboxClaim", ns, n), 200)
            wait_for(lambda: not any(s["metadata"]["name"] in taken for s in c.list("Sandbox", ns)), 10,
                     what="bound sandboxes garbage-collected")
            time.sleep(4.0)  # past the claim watch's return

            sandbox_writes = [w for w in writes(c, since) if "/sandboxes" in w[1]]
            self.assertEqual(sandbox_writes, [])
            left = {s["metadata"]["name"]: s for s in c.list("Sandbox", ns)}
            self.assertEqual(sorted(left), free)
            for s in left.values():
                self.assertEqual(controller_owner(s)[0]["kind"], "SandboxWarmPool")
            self.assertEqual(c.list("SandboxClaim", ns), [])

            # A live claim whose Sandbox is deleted is still bound again.
            c.control.reset()
            c.create(claim("b", "pool", ns))
            wait_for(lambda: bound_to(c, ns, "b"), 10, what="claim b bound")
            first = bound_to(c, ns, "b")
            self.assertEqual(c.delete("Sandbox", ns, first), 200)
            wait_for(lambda: bound_to(c, ns, "b") not in (None, first), 10, what="claim b bound again")
            self.assertIn(bound_to(c, ns, "b"), free)


if __name__ == "__main__":
    unittest.main()
