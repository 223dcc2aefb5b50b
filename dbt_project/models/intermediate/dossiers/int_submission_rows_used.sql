-- The submission rows the indicators use (macros/submission_rows_used.sql): rows of `loaded` files
-- with report_date <= D, the sector resolved to a catalogue code. A view, for analysts and tests;
-- the incremental models call the macro with their dossier filter instead of reading it.

{{ config(materialized='view') }}

{{ submission_rows_used() }}
