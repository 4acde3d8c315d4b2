"""The interchange tables of docs/data-contract.md, the import log and what each import changed.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('table_name', sa.String(length=32), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('rows_added', sa.Integer(), nullable=False),
    sa.Column('rows_updated', sa.Integer(), nullable=False),
    sa.Column('rows_unchanged', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('problems', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('collaboration',
    sa.Column('east_region', sa.String(length=64), nullable=False),
    sa.Column('west_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('fiscal_aid', sa.BigInteger(), nullable=False),
    sa.Column('cadres_sent', sa.Integer(), nullable=False),
    sa.Column('talent_sent', sa.Integer(), nullable=False),
    sa.Column('enterprises_landed', sa.Integer(), nullable=False),
    sa.Column('investment', sa.BigInteger(), nullable=False),
    sa.Column('labour_transferred', sa.Integer(), nullable=False),
    sa.Column('consumption_sales', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['west_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('east_region', 'west_code', 'year')
    )
    op.create_table('funds',
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('use', sa.String(length=32), nullable=False),
    sa.Column('allocated', sa.BigInteger(), nullable=False),
    sa.Column('spent', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('county_code', 'year', 'use')
    )
    op.create_table('households',
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('village_code', sa.String(length=12), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('labour_count', sa.Integer(), nullable=False),
    sa.Column('former_poor', sa.Boolean(), nullable=False),
    sa.Column('head_name', sa.String(length=32), nullable=False),
    sa.Column('head_id_number', sa.String(length=32), nullable=False),
    sa.Column('head_id_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['village_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('household_id')
    )
    op.create_index(op.f('ix_households_village_code'), 'households', ['village_code'], unique=False)
    op.create_table('import_changes',
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row_key', sa.String(length=200), nullable=False),
    sa.Column('previous', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['import_log.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'row_key')
    )
    op.create_table('projects',
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('fund_connection', sa.BigInteger(), nullable=False),
    sa.Column('fund_east_west', sa.BigInteger(), nullable=False),
    sa.Column('fund_targeted', sa.BigInteger(), nullable=False),
    sa.Column('fund_social', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('jobs_created', sa.Integer(), nullable=False),
    sa.Column('households_linked', sa.Integer(), nullable=False),
    sa.Column('output_value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['regions.code'], ),
    sa.ForeignKeyConstraint(['village_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('project_id')
    )
    op.create_index(op.f('ix_projects_county_code'), 'projects', ['county_code'], unique=False)
    op.create_table('teams',
    sa.Column('village_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('first_secretary', sa.String(length=32), nullable=False),
    sa.Column('team_size', sa.Integer(), nullable=False),
    sa.Column('dispatch_level', sa.String(length=32), nullable=False),
    sa.Column('days_on_site', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['village_code'], ['regions.code'], ),
    sa.PrimaryKeyConstraint('village_code', 'year')
    )
    op.create_table('assistance',
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('measure', sa.String(length=32), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('amount_yuan', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], ),
    sa.PrimaryKeyConstraint('household_id', 'measure', 'started_on')
    )
    op.create_table('income',
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('per_capita_net_income', sa.BigInteger(), nullable=False),
    sa.Column('wage', sa.BigInteger(), nullable=False),
    sa.Column('operating', sa.BigInteger(), nullable=False),
    sa.Column('property', sa.BigInteger(), nullable=False),
    sa.Column('transfer', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], ),
    sa.PrimaryKeyConstraint('household_id', 'year')
    )
    op.create_table('members',
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('age', sa.Integer(), nullable=False),
    sa.Column('sex', sa.String(length=32), nullable=False),
    sa.Column('labour_capacity', sa.String(length=32), nullable=False),
    sa.Column('health', sa.String(length=32), nullable=False),
    sa.Column('schooling', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_index(op.f('ix_members_household_id'), 'members', ['household_id'], unique=False)
    op.create_table('monitoring',
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('identified_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('risk_types', sa.String(length=200), nullable=False),
    sa.Column('risk_status', sa.String(length=32), nullable=False),
    sa.Column('eliminated_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], ),
    sa.PrimaryKeyConstraint('household_id', 'identified_on')
    )
    op.create_table('employment',
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('household_id', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('employed', sa.Boolean(), nullable=False),
    sa.Column('location', sa.String(length=32), nullable=True),
    sa.Column('mode', sa.String(length=32), nullable=True),
    sa.Column('monthly_wage', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['members.person_id'], ),
    sa.PrimaryKeyConstraint('person_id', 'period')
    )
    op.create_index(op.f('ix_employment_household_id'), 'employment', ['household_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_employment_household_id'), table_name='employment')
    op.drop_table('employment')
    op.drop_table('monitoring')
    op.drop_index(op.f('ix_members_household_id'), table_name='members')
    op.drop_table('members')
    op.drop_table('income')
    op.drop_table('assistance')
    op.drop_table('teams')
    op.drop_index(op.f('ix_projects_county_code'), table_name='projects')
    op.drop_table('projects')
    op.drop_table('import_changes')
    op.drop_index(op.f('ix_households_village_code'), table_name='households')
    op.drop_table('households')
    op.drop_table('funds')
    op.drop_table('collaboration')
    op.drop_table('import_log')
