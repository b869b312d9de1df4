#!/usr/bin/env python3
"""scripts/tsan_triage.py, the judge of scripts/sanitize.sh thread, on
reports shaped like the ones TSan wrote in this project's runs.

    tests/tsan_triage_test.py SOURCE_DIR
"""

import importlib.util
import os
import sys
import tempfile
import unittest

ROOT = "/src/maillage"  # the repository root the reports below name

# The gRPC-internal report of hostile_client_test (RELIABILITY.md): both
# accesses in gRPC's header code and libraries; the thread was created by
# our test server, which must not count.
FOREIGN = """==================
WARNING: ThreadSanitizer: data race (pid=12862)
  Write of size 8 at 0x7b6800022350 by thread T31:
    #0 operator delete(void*, unsigned long) ../../../../src/libsanitizer/tsan/tsan_new_delete.cpp:150 (libtsan.so.2+0x86c3d)
    #1 std::function<void ()>::operator()() const /usr/include/c++/12/bits/std_function.h:591 (hostile_client_test+0x1ef58c)
    #2 grpc::internal::CallbackBidiHandler<grpc::ByteBuffer, grpc::ByteBuffer>::ServerCallbackReaderWriterImpl::CallOnDone() /usr/include/grpcpp/impl/codegen/server_callback_handlers.h:852 (hostile_client_test+0x1ef58c)
    #3 <null> <null> (libgrpc++.so.1.51+0xa21ed)

  Previous read of size 8 at 0x7b6800022350 by thread T37:
    #0 std::_Function_base::_M_empty() const /usr/include/c++/12/bits/std_function.h:247 (hostile_client_test+0x1e8cdc)
    #1 grpc::internal::CallbackWithSuccessTag::Run(bool) /usr/include/grpcpp/support/callback_common.h:212 (hostile_client_test+0x1e8cdc)
    #2 <null> <null> (libgrpc++.so.1.51+0x897ba)

  Thread T37 (tid=14091, finished) created by main thread at:
    #0 pthread_create ../../../../src/libsanitizer/tsan/tsan_interceptors_posix.cpp:1001 (libtsan.so.2+0x5e686)
    #1 maillage::testing::TestServer::Start() /src/maillage/tests/support/test_server.cc:30 (hostile_client_test+0x199819)

SUMMARY: ThreadSanitizer: data race in operator delete(void*, unsigned long)
==================
"""


def with_access_frame(report, frame):
    """The report with `frame` as the first frame of its previous access."""
    marker = "  Previous read of size 8 at 0x7b6800022350 by thread T37:\n"
    return report.replace(marker, marker + "    " + frame + "\n", 1)


class TriageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        path = os.path.join(sys.argv[1], "scripts", "tsan_triage.py")
        spec = importlib.util.spec_from_file_location("tsan_triage", path)
        cls.triage = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cls.triage)

    def judge(self, text):
        reports = self.triage.reports_in(text)
        self.assertEqual(len(reports), 1)
        return self.triage.is_ours(reports[0], ROOT + "/")

    def test_a_race_between_library_frames_is_foreign(self):
        self.assertFalse(self.judge(FOREIGN))

    def test_a_frame_of_ours_in_an_access_makes_it_ours(self):
        ours = with_access_frame(
            FOREIGN,
            "#0 maillage::services::ImportReactor::OnDone() "
            "/src/maillage/services/actor_streams.cc:139 (maillage_server+0x1234)")
        self.assertTrue(self.judge(ours))

    def test_an_unsymbolised_frame_of_our_executable_is_ours(self):
        self.assertTrue(self.judge(with_access_frame(
            FOREIGN, "#0 <null> <null> (maillage_server+0x4242)")))
        self.assertFalse(self.judge(with_access_frame(
            FOREIGN, "#0 <null> <null> (libgrpc.so.29+0x4242)")))

    def test_our_frames_where_the_memory_was_allocated_do_not_count(self):
        allocated = FOREIGN.replace(
            "\nSUMMARY:",
            "\n  Location is heap block of size 64 at 0x7b6800022340 allocated by thread T1:\n"
            "    #0 operator new(unsigned long) (libtsan.so.2+0x8507c)\n"
            "    #1 maillage::core::Lifecycle::QueueServed() /src/maillage/core/lifecycle.cc:800 "
            "(maillage_server+0x99)\n\nSUMMARY:", 1)
        self.assertFalse(self.judge(allocated))

    def test_any_report_but_a_data_race_is_ours(self):
        inversion = FOREIGN.replace("data race (pid=", "lock-order-inversion (potential deadlock) (pid=")
        self.assertTrue(self.judge(inversion))

    def test_the_command_fails_only_on_a_report_of_ours(self):
        ours = with_access_frame(
            FOREIGN, "#0 f() /src/maillage/core/x.cc:1 (maillage_server+0x1)")
        with tempfile.TemporaryDirectory() as folder:
            foreign_log = os.path.join(folder, "tsan.1")
            ours_log = os.path.join(folder, "tsan.2")
            with open(foreign_log, "w") as f:
                f.write(FOREIGN + FOREIGN)  # two reports in one log
            with open(ours_log, "w") as f:
                f.write(ours)
            devnull = open(os.devnull, "w")
            stdout, sys.stdout = sys.stdout, devnull
            try:
                self.assertEqual(self.triage.main([ROOT, foreign_log]), 0)
                self.assertEqual(self.triage.main([ROOT, foreign_log, ours_log]), 1)
            finally:
                sys.stdout = stdout
                devnull.close()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
