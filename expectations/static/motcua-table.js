/* motcua: the part of bootstrap-table that GX Data Docs use, so the pages work offline.
 *
 * GX calls $(table).bootstrapTable({columns, data, toolbar, search, sortName, sortOrder,
 * rowStyle, rowAttributes}) to fill its index tables, and bootstrapTable('clearFilterControl')
 * or ('resetSearch') from its "Clear Filters" button. bootstrap-table itself is not on PyPI:
 * this renders the rows (cells are GX's own HTML), sorts on a header click, filters with a
 * search box, and fires 'click-row.bs.table' so GX's row links work. Tables marked
 * data-toggle="table" are already rendered in the HTML and are left as they are.
 */
(function ($) {
  "use strict";
  if (!$ || $.fn.bootstrapTable) return;

  function fn(value) {
    return typeof value === "function" ? value : window[value];
  }

  function text(html) {
    return $("<div>").html(html == null ? "" : String(html)).text().trim();
  }

  function sortKey(row, column) {
    var value = row[column.sortName || column.field];
    return typeof value === "number" ? value : text(value).toLowerCase();
  }

  function render($table, state) {
    var o = state.options;
    var $body = $table.children("tbody").empty();
    var needle = state.search.toLowerCase();
    var rows = o.data.filter(function (row) {
      if (!needle) return true;
      return o.columns.some(function (c) {
        return text(row[c.field]).toLowerCase().indexOf(needle) >= 0;
      });
    });
    if (state.sortColumn) {
      var c = state.sortColumn, sign = state.sortOrder === "desc" ? -1 : 1;
      rows.sort(function (a, b) {
        var x = sortKey(a, c), y = sortKey(b, c);
        return x < y ? -sign : x > y ? sign : 0;
      });
    }
    rows.forEach(function (row, index) {
      var $tr = $("<tr>");
      if (o.rowStyle && fn(o.rowStyle)) $tr.css((fn(o.rowStyle)(row, index) || {}).css || {});
      if (o.rowAttributes && fn(o.rowAttributes)) $tr.attr(fn(o.rowAttributes)(row, index) || {});
      o.columns.forEach(function (col) {
        $("<td>").css("text-align", col.align || "").html(row[col.field]).appendTo($tr);
      });
      $tr.on("click", function () { $table.trigger("click-row.bs.table", [row, $tr]); });
      $body.append($tr);
    });
  }

  function init($table, options) {
    var o = $.extend({ columns: [], data: [] }, options);
    var state = { options: o, search: "", sortOrder: o.sortOrder || "asc", sortColumn: null };
    o.columns.forEach(function (c) {
      if (o.sortName && (c.field === o.sortName || c.sortName === o.sortName)) state.sortColumn = c;
    });
    $table.addClass("table table-hover table-sm").empty();
    var $tr = $("<tr>");
    o.columns.forEach(function (col) {
      var $th = $("<th>").text(col.title || col.field).css("text-align", col.align || "");
      if (String(col.sortable) === "true") {
        $th.css("cursor", "pointer").on("click", function () {
          state.sortOrder = state.sortColumn === col && state.sortOrder === "asc" ? "desc" : "asc";
          state.sortColumn = col;
          render($table, state);
        });
      }
      $tr.append($th);
    });
    $table.append($("<thead>").append($tr), $("<tbody>"));
    if (String(o.search) === "true") {
      var $input = $('<input type="search" class="form-control form-control-sm mb-2">')
        .attr("placeholder", "Search")
        .on("input", function () { state.search = $input.val(); render($table, state); });
      state.input = $input;
      $(o.toolbar || $table).first().after($input);
    }
    $table.data("motcua-table", state);
    render($table, state);
  }

  $.fn.bootstrapTable = function (options) {
    return this.each(function () {
      var $table = $(this), state = $table.data("motcua-table");
      if (typeof options === "string") {
        if (state && (options === "resetSearch" || options === "clearFilterControl")) {
          state.search = "";
          if (state.input) state.input.val("");
          render($table, state);
        }
        return;
      }
      if (options) init($table, options);
    });
  };
})(window.jQuery);
