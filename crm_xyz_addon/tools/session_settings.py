"""The memory and planner settings of the analysis's statements, for their transaction only.

The classification statement sorts and hashes a company's whole population once: it
gets ``work_mem`` (the system parameter ``crm_xyz_addon.analysis_work_mem``, 256MB by
default) to do so without spilling to disk, and no JIT, which costs more than it saves
here. Both are set with ``SET LOCAL``: they end with the transaction (or the savepoint
rolled back) and never reach the next transaction of the pooled connection.
"""

import re
from contextlib import contextmanager

from odoo.tools import SQL

WORK_MEM_PARAMETER = "crm_xyz_addon.analysis_work_mem"
DEFAULT_WORK_MEM = "256MB"
# PostgreSQL's bounds of work_mem, in kB
MIN_WORK_MEM_KB = 64
MAX_WORK_MEM_KB = 2_147_483_647
# a whole number with one of PostgreSQL's units of memory (case-sensitive, as there);
# no unit means kB
_MEMORY = re.compile(r"\s*(\d{1,13})\s*(kB|MB|GB|TB)?\s*")
_KB_PER_UNIT = {None: 1, "kB": 1, "MB": 1024, "GB": 1024**2, "TB": 1024**3}


def work_mem_kb(value):
    """The kilobytes of a work_mem setting such as "256MB", or None unless it is one
    that PostgreSQL accepts (a whole number of kB, MB, GB or TB from 64kB to 2TB - 1kB)."""
    match = _MEMORY.fullmatch(value) if isinstance(value, str) else None
    if not match:
        return None
    kilobytes = int(match.group(1)) * _KB_PER_UNIT[match.group(2)]
    return kilobytes if MIN_WORK_MEM_KB <= kilobytes <= MAX_WORK_MEM_KB else None


def analysis_work_mem(env):
    """The work_mem of the analysis: the system parameter when it is valid, else the
    default (an invalid value can only come from outside the ORM, which checks it)."""
    value = env["ir.config_parameter"].sudo().get_param(WORK_MEM_PARAMETER) or DEFAULT_WORK_MEM
    return value.strip() if work_mem_kb(value) is not None else DEFAULT_WORK_MEM


def set_analysis_settings(cr, work_mem):
    """SET LOCAL the analysis's work_mem and no JIT, until the end of the transaction."""
    if work_mem_kb(work_mem) is None:
        raise ValueError(f"not a work_mem setting: {work_mem!r}")
    cr.execute(SQL("SET LOCAL work_mem = %s", work_mem))
    cr.execute(SQL("SET LOCAL jit = off"))


@contextmanager
def analysis_settings(cr, work_mem):
    """The analysis's settings for the statements run inside; afterwards the rest of the
    transaction has the values it had before (set back with SET LOCAL as well)."""
    cr.execute(SQL("SELECT current_setting('work_mem'), current_setting('jit')"))
    previous_work_mem, previous_jit = cr.fetchone()
    set_analysis_settings(cr, work_mem)
    yield
    # not after an error: the rollback of the transaction or savepoint undoes them then
    cr.execute(
        SQL(
            "SELECT set_config('work_mem', %s, TRUE), set_config('jit', %s, TRUE)",
            previous_work_mem,
            previous_jit,
        )
    )
