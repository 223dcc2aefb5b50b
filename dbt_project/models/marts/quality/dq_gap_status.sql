{#-
    The lifecycle of every record-keeping gap ever found (one row per gap of dq_issues: rule, unit,
    report date, dossier or file): when it was first seen, whether it is still open and, if not,
    the night it went away and why. A function of the data: which file arrived for which night
    (int_files_nighted, from the ingestion manifest), the findings of every version of every ledger
    (replaced files keep theirs) and the dossiers' states; not of how many times nights were run.

    * a gap found in a ledger (R02-R10): first seen the night the first version of the ledger that
      carries it arrived. Fixed by `resend` the night a later version of the same ledger without it
      arrived (for a quarantined file: any readable version after it), or by `later_state` the
      night a later state of the dossier (a row in the ledger of a later report date) arrived
      without the same rule on it, whichever comes first;
    * R01_missing_submission: first seen on its report date, fixed by `late_file` the night the
      first file for that unit and date arrived;
    * the other history rules (R11-R14): open while dq_issues holds them (first seen on their
      report date, or the night their ledger first arrived when later), with dq_issues' details;
      when dq_issues drops one (a later submission touched a stale dossier, a re-send undid an
      edit) it leaves this table too: their earlier states are not kept.

    Incremental (delete+insert on issue_id), growing with the night: a night recomputes the gaps of
    the dossiers re-derived tonight (raw.build_changes: new rows, rows of a file that stopped
    counting), the gaps without a dossier of the ledgers with a new file, the R01 of those ledgers
    and of the nights since the previous build, and the history gaps new or changed in dq_issues
    tonight (the pre-hook deletes those it dropped); the post-hook
    ages the open gaps (last_seen_date = D, days_open). A gap outside that scope depends on nothing
    that changed tonight.
-#}

{%- set history_rules_kept = "source = 'history' and rule_id <> 'R01_missing_submission'" %}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='issue_id',
    on_schema_change='fail',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where " ~ history_rules_kept ~ " and issue_id not in (select issue_id from {{ ref('dq_issues') }}){% endif %}",
    post_hook="update {{ this }} set last_seen_date = {{ as_of_date() }}, days_open = {{ as_of_date() }} - first_seen_date where status = 'open' and last_seen_date <> {{ as_of_date() }}",
) }}

with

-- the dossier states read by `states` (dossier_states_to_derive, macros/rederived_dossiers.sql):
-- those re-derived tonight on an incremental night, the whole history on a full rebuild
rederived_states as (

    select * from {{ ref('int_dossier_states_rederived') }}

),

all_states as (

    select * from {{ ref('int_dossier_states') }}

),

file_nights as (

    select * from {{ ref('int_files_nighted') }}
    where arrival_night <= {{ as_of_date() }}

),

-- what an incremental night reads (unused on a full rebuild, when the previous build is absent)
previous_build as (

    -- the build this one starts from (the copied file's runs; tonight's is the latest)
    select
        max_file_id,
        report_date,
    from {{ ref('stg_build__runs') }}
    order by built_at desc
    limit 1 offset 1

),

new_ledgers as (

    select distinct
        unit_code,
        report_date,
    from file_nights
    where file_id > (select max_file_id from previous_build)
        and unit_code is not null

),

changed_dossiers as (

    select
        unit_code,
        dossier_code,
    from {{ ref('stg_build__changes') }}

),

versions as (

    -- the readable versions of each ledger, in arrival order
    select
        file_id,
        unit_code,
        report_date,
        arrival_night,
    from file_nights
    where file_status in ('loaded', 'replaced')
        and unit_code is not null
        and report_date is not null

),

findings as (

    select
        findings.rule_id,
        findings.severity,
        findings.file_id,
        findings.row_number,
        coalesce(findings.unit_code, file_nights.unit_code) as unit_code,
        coalesce(findings.report_date, file_nights.report_date) as report_date,
        findings.dossier_code,
        findings.detail_vi,
        findings.detail_en,
        file_nights.arrival_night,
        case
            when file_nights.file_status = 'quarantined'
                or findings.rule_id = 'R02_unreadable_file' then 'ingestion'
            else 'validation'
        end as source,
        findings.rule_id in ('R02_unreadable_file', 'R05_unknown_reference')
            and findings.row_number is null as is_file_level,
    from {{ ref('stg_ingest__findings') }} as findings
    inner join file_nights
        on findings.file_id = file_nights.file_id
    where file_nights.file_status in ('loaded', 'replaced', 'quarantined')
    {%- if is_incremental() %}
        and (
            (coalesce(findings.unit_code, file_nights.unit_code), findings.dossier_code)
                in (select (unit_code, dossier_code) from changed_dossiers)
            or (
                findings.dossier_code is null
                and (coalesce(findings.unit_code, file_nights.unit_code),
                    coalesce(findings.report_date, file_nights.report_date))
                    in (select (unit_code, report_date) from new_ledgers)
            )
        )
    {%- endif %}

),

keyed as (

    select
        md5(concat_ws(
            '|',
            rule_id,
            coalesce(unit_code, ''),
            coalesce(cast(report_date as varchar), ''),
            coalesce(dossier_code, ''),
            if(is_file_level, cast(file_id as varchar), '')
        )) as issue_id,
        *,
    from findings

),

found as (

    -- one row per gap: the night it was first seen; the details, file and row of the last file
    -- that carried it
    select
        *,
        min(arrival_night) over (partition by issue_id) as first_seen_date,
    from keyed
    qualify row_number() over (
        partition by issue_id
        order by file_id desc, row_number nulls first
    ) = 1

),

resent as (

    -- the first readable version of the ledger after the last file that carried the gap
    select
        found.issue_id,
        min(versions.arrival_night) as resend_night,
    from found
    inner join versions
        on versions.unit_code = found.unit_code
        and versions.report_date = found.report_date
        and versions.file_id > found.file_id
    group by found.issue_id

),

states as (

    select
        unit_code,
        dossier_code,
        report_date,
        file_id,
    from {{ dossier_states_to_derive() }}

),

later_states as (

    -- a later state of the gap's dossier that does not carry the same rule
    select
        found.issue_id,
        min(file_nights.arrival_night) as later_state_night,
    from found
    inner join states
        on states.unit_code = found.unit_code
        and states.dossier_code = found.dossier_code
        and states.report_date > found.report_date
    inner join file_nights
        on file_nights.file_id = states.file_id
    left join keyed as repeated
        on repeated.file_id = states.file_id
        and repeated.dossier_code = found.dossier_code
        and repeated.rule_id = found.rule_id
    where not found.is_file_level
        and found.dossier_code is not null
        and repeated.file_id is null
    group by found.issue_id

),

submission_gaps as (

    select
        found.issue_id,
        found.rule_id,
        found.severity,
        found.unit_code,
        found.report_date,
        found.dossier_code,
        found.first_seen_date,
        case
            when later_states.later_state_night is not null
                and greatest(later_states.later_state_night, found.first_seen_date)
                    < coalesce(resent.resend_night, date '9999-12-31')
                then greatest(later_states.later_state_night, found.first_seen_date)
            else resent.resend_night
        end as fixed_date,
        case
            when later_states.later_state_night is not null
                and greatest(later_states.later_state_night, found.first_seen_date)
                    < coalesce(resent.resend_night, date '9999-12-31')
                then 'later_state'
            when resent.resend_night is not null then 'resend'
        end as fixed_by,
        found.file_id,
        found.row_number,
        found.detail_vi,
        found.detail_en,
        found.source,
    from found
    left join resent
        on resent.issue_id = found.issue_id
    left join later_states
        on later_states.issue_id = found.issue_id

),

expected as (

    select
        unit_code,
        report_date,
    from {{ ref('int_submissions_expected') }}
    {%- if is_incremental() %}
    where report_date > (select report_date from previous_build)
        or (unit_code, report_date) in (select (unit_code, report_date) from new_ledgers)
    {%- endif %}

),

first_files as (

    select
        unit_code,
        report_date,
        min(arrival_night) as first_night,
    from file_nights
    where unit_code is not null
        and report_date is not null
    group by unit_code, report_date

),

missing_gaps as (

    select
        md5(concat_ws(
            '|', 'R01_missing_submission', expected.unit_code, cast(expected.report_date as varchar),
            '', ''
        )) as issue_id,
        'R01_missing_submission' as rule_id,
        'error' as severity,
        expected.unit_code,
        expected.report_date,
        cast(null as varchar) as dossier_code,
        expected.report_date as first_seen_date,
        first_files.first_night as fixed_date,
        if(first_files.first_night is null, null, 'late_file') as fixed_by,
        cast(null as bigint) as file_id,
        cast(null as integer) as row_number,
        'Đơn vị không gửi sổ theo dõi ngày ' || strftime(expected.report_date, '%d/%m/%Y')
            as detail_vi,
        'No ledger submitted for ' || strftime(expected.report_date, '%Y-%m-%d') as detail_en,
        'history' as source,
    from expected
    left join first_files
        on first_files.unit_code = expected.unit_code
        and first_files.report_date = expected.report_date
    where first_files.first_night is null
        or first_files.first_night > expected.report_date

),

history_gaps as (

    select
        issues.issue_id,
        issues.rule_id,
        issues.severity,
        issues.unit_code,
        issues.report_date,
        issues.dossier_code,
        -- the night the ledger that showed it first arrived (a transition R12/R14), else its date
        case
            when issues.file_id is null then issues.report_date
            else greatest(issues.report_date, coalesce(first_files.first_night, issues.report_date))
        end as first_seen_date,
        cast(null as date) as fixed_date,
        cast(null as varchar) as fixed_by,
        issues.file_id,
        issues.row_number,
        issues.detail_vi,
        issues.detail_en,
        issues.source,
    from {{ ref('dq_issues') }} as issues
    left join first_files
        on first_files.unit_code = issues.unit_code
        and first_files.report_date = issues.report_date
    {%- if is_incremental() %}
    left join {{ this }} as kept
        on kept.issue_id = issues.issue_id
    {%- endif %}
    where issues.source = 'history'
        and issues.rule_id <> 'R01_missing_submission'
    {%- if is_incremental() %}
        -- new tonight, or described otherwise (a re-send changed the edit R12 reports)
        and (
            kept.issue_id is null
            or (issues.severity, issues.file_id, issues.row_number, issues.detail_vi,
                issues.detail_en)
                is distinct from
                (kept.severity, kept.file_id, kept.row_number, kept.detail_vi, kept.detail_en)
        )
    {%- endif %}

),

unioned as (

    select * from submission_gaps
    union all
    select * from missing_gaps
    union all
    select * from history_gaps

),

final as (

    select
        issue_id,
        rule_id,
        severity,
        unit_code,
        report_date,
        dossier_code,
        first_seen_date,
        if(
            fixed_date is null,
            {{ as_of_date() }},
            greatest(first_seen_date, cast(fixed_date - 1 as date))
        ) as last_seen_date,
        if(fixed_date is null, 'open', 'fixed') as status,
        fixed_date,
        fixed_by,
        cast(coalesce(fixed_date, {{ as_of_date() }}) - first_seen_date as integer) as days_open,
        file_id,
        row_number,
        detail_vi,
        detail_en,
        source,
    from unioned

)

select * from final
