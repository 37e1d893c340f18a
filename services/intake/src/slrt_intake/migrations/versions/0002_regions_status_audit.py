"""The case's region at every level, the status routing reports back, an audit trail of personal-data access.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from slrt_contracts.regions import find_desa
from slrt_shared.db import BigId

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("kecamatan_code", sa.String(8)))
        batch.add_column(sa.Column("kabupaten_code", sa.String(5)))
        batch.add_column(sa.Column("provinsi_code", sa.String(2)))
        batch.add_column(sa.Column("region_names", sa.JSON))
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True)))
    op.create_index("ix_cases_kabupaten_code", "cases", ["kabupaten_code"])
    cases = sa.table("cases", sa.column("case_id", sa.String), sa.column("region_code", sa.String),
                     sa.column("kecamatan_code", sa.String), sa.column("kabupaten_code", sa.String),
                     sa.column("provinsi_code", sa.String), sa.column("region_names", sa.JSON))
    bind = op.get_bind()
    for case_id, code in bind.execute(sa.select(cases.c.case_id, cases.c.region_code)).all():
        desa = find_desa(code)
        if desa is None:
            continue
        bind.execute(cases.update().where(cases.c.case_id == case_id).values(
            kecamatan_code=desa.kecamatan_code, kabupaten_code=desa.kabupaten_code,
            provinsi_code=desa.provinsi_code,
            region_names={"desa": desa.name, "kecamatan": desa.kecamatan, "kabupaten": desa.kabupaten,
                          "provinsi": desa.provinsi}))
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(40)),
        sa.Column("citizen_ref", sa.String(40)),
        sa.Column("actor", sa.String(100)),
        sa.Column("detail", sa.JSON),
    )
    op.create_index("ix_audit_log_citizen_ref", "audit_log", ["citizen_ref"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_index("ix_cases_kabupaten_code", "cases")
    with op.batch_alter_table("cases") as batch:
        for column in ("status_changed_at", "region_names", "provinsi_code", "kabupaten_code", "kecamatan_code"):
            batch.drop_column(column)
