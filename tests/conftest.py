# Copyright 2026 The osc-ssec Authors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Fixtures shared by the test suites.

local_cloud is a real Keystone + Barbican on loopback (tests.localcloud),
started once per session and only when a test asks for it; openstack runs
the real `openstack` executable against it as one of its users.
"""

import atexit
import pathlib
import subprocess
import sys

import pytest

from tests.localcloud import LocalCloud
from tests.localcloud import process

# The client virtualenv's executable: what a user of the plugin runs.
OPENSTACK = pathlib.Path(sys.executable).parent / 'openstack'
OPENSTACK_TIMEOUT = 120


@pytest.fixture(scope='session')
def local_cloud(tmp_path_factory):
    """The running LocalCloud; a failed start fails every test using it.

    It stops at the end of the session, whatever the tests did. SIGTERM
    and SIGHUP unwind pytest like Ctrl-C, through this teardown; atexit is
    the safety net for an interpreter that exits without it, and stops
    every server the harness started.
    """
    cloud = LocalCloud(tmp_path_factory.mktemp('localcloud'))
    atexit.register(process.stop_all)
    with process.interruptible():
        try:
            cloud.start()
            yield cloud
        finally:
            cloud.stop()


@pytest.fixture
def openstack(local_cloud):
    """run(cloud_name, *args, input=None, check=False) -> CompletedProcess.

    Runs `openstack *args` as a user of the local cloud would, with text
    output. With check, a failure raises CalledProcessError whose notes
    hold the command's stderr, so that the test report shows why.
    """
    def run(cloud_name, *args, input=None, check=False):
        result = subprocess.run(
            [OPENSTACK, *args], input=input, capture_output=True, text=True,
            timeout=OPENSTACK_TIMEOUT, env=local_cloud.env(cloud_name))
        if check and result.returncode:
            error = subprocess.CalledProcessError(
                result.returncode, result.args, result.stdout, result.stderr)
            error.add_note(f'stderr:\n{result.stderr}')
            raise error
        return result

    return run
