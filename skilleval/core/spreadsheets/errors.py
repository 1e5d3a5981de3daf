"""What the reader says when it refuses a file or flags a cell: a stable code, Chinese first, English
complete.

Every message lives in `MESSAGES`, so a reviewer reads all of them in one place and the two languages
cannot drift apart. Messages never quote a cell's value: it may be an ID number (SECURITY.md "Personal data").
"""

from dataclasses import dataclass

from skilleval.core.errors import DomainError

MESSAGES: dict[str, tuple[str, str]] = {
    # The file as a whole
    "file_empty": ("文件是空的", "The file is empty."),
    "file_too_large": (
        "文件超过 {limit_mb} MB，请拆分后分批上传",
        "The file is larger than {limit_mb} MB; please split it and upload the parts separately.",
    ),
    "unsupported_extension": (
        "只接受 .xlsx、.xls 或 .csv 文件",
        "Only .xlsx, .xls or .csv files are accepted.",
    ),
    "wrong_type": (
        "文件名是 .{extension}，实际内容却是：{actual_zh}。请上传真正的 .xlsx、.xls 或 .csv 表格"
        "（可在 Excel 或 WPS 中另存为 .xlsx）",
        "The file is named .{extension} but its content is {actual_en}. Please upload a real .xlsx, .xls or "
        ".csv spreadsheet (Excel and WPS can save one as .xlsx).",
    ),
    "encrypted": (
        "文件设置了打开密码，请取消密码后重新上传",
        "The file is protected by a password; please remove the password and upload it again.",
    ),
    "corrupt": (
        "文件已损坏或格式无法识别，请在 Excel 或 WPS 中打开并另存为 .xlsx 后重新上传",
        "The file is damaged or in a format that cannot be read; please open it in Excel or WPS, save it "
        "as .xlsx and upload it again.",
    ),
    "old_format": (
        "这是 Excel 95 或更早版本的文件，请另存为 .xlsx 后重新上传",
        "This is an Excel 95 (or older) file; please save it as .xlsx and upload it again.",
    ),
    "unsupported_structure": (
        "文件的内部结构无法安全读取，请在 Excel 或 WPS 中打开并另存为 .xlsx 后重新上传",
        "The file's internal structure cannot be read safely; please open it in Excel or WPS, save it as "
        ".xlsx and upload it again.",
    ),
    # Zip container (.xlsx)
    "zip_too_many_entries": (
        "文件内部包含的部件过多（超过 {limit} 个），不像是普通表格",
        "The file holds too many parts (more than {limit}); it does not look like an ordinary spreadsheet.",
    ),
    "zip_too_large": (
        "文件解压后超过 {limit_mb} MB，不予处理；请删除多余的工作表、图片或格式后重新上传",
        "The file unpacks to more than {limit_mb} MB and was not processed; please remove extra sheets, "
        "pictures or formatting and upload it again.",
    ),
    "zip_ratio": (
        "文件压缩比异常（疑似压缩炸弹），不予处理",
        "The file's compression ratio is abnormal (a suspected zip bomb); it was not processed.",
    ),
    "zip_size_mismatch": (
        "文件内部记录的大小与实际内容不符（文件损坏或被篡改），不予处理",
        "The sizes recorded inside the file do not match its content (damaged or tampered with); "
        "it was not processed.",
    ),
    "zip_unsafe_name": (
        "文件内部包含不安全的路径名，不予处理",
        "The file holds parts with unsafe path names; it was not processed.",
    ),
    "xml_dtd": (
        "文件内部包含 XML 文档类型声明（DTD），普通表格不会有，不予处理",
        "The file holds an XML document type declaration (DTD), which ordinary spreadsheets never do; "
        "it was not processed.",
    ),
    # Active content
    "macro": (
        "文件包含宏或 ActiveX 控件，不予处理；请另存为不含宏的 .xlsx 工作簿后重新上传",
        "The file contains macros or ActiveX controls and was not processed; please save it as a "
        "macro-free .xlsx workbook and upload it again.",
    ),
    "external_link": (
        "文件包含指向其他文件或外部数据源的链接，不予处理；"
        "请删除外部链接（数据 → 编辑链接 → 断开链接）后重新上传",
        "The file links to other files or external data sources and was not processed; please break the "
        "links (Data → Edit Links → Break Link) and upload it again.",
    ),
    "formula": (
        "第 {row} 行“{column}”列是公式；请将公式转换为数值（复制后“选择性粘贴 → 数值”）后重新上传",
        "Row {row}, column '{column}' holds a formula; please convert formulas to values "
        "(Copy, then Paste Special → Values) and upload it again.",
    ),
    # Sheet shape
    "no_sheet": ("文件中没有工作表", "The file has no worksheet."),
    "sheet_empty": ("工作表是空的", "The worksheet is empty."),
    "too_many_rows": (
        "数据超过 {limit} 行，请拆分后分批上传",
        "The data has more than {limit} rows; please split it and upload the parts separately.",
    ),
    "too_many_columns": (
        "表格超过 {limit} 列，请删除多余的列后重新上传",
        "The sheet has more than {limit} columns; please delete the extra columns and upload it again.",
    ),
    "header_not_found": (
        "在前 {window} 行中没有找到表头；请使用下载的模板，表头应包括：{expected_zh}",
        "No header row was found in the first {window} rows; please use the downloaded template, whose "
        "header includes: {expected_en}",
    ),
    "missing_column": (
        "缺少必填列“{column}”",
        "The required column '{column}' is missing.",
    ),
    "duplicate_column": (
        "“{column}”列出现了不止一次",
        "The column '{column}' appears more than once.",
    ),
    # CSV
    "binary_content": (
        "文件内容不是文本表格（含有二进制数据）",
        "The file content is not a text table (it holds binary data).",
    ),
    "encoding": (
        "无法识别文件的文字编码；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新上传",
        "The file's text encoding could not be recognised; please save it in Excel as "
        "'CSV UTF-8 (Comma delimited)' and upload it again.",
    ),
    "csv_malformed": (
        "第 {row} 行的 CSV 格式有误（引号不成对或单元格过长）",
        "Row {row} is not valid CSV (unbalanced quotes or an overlong cell).",
    ),
    # One cell (row-level: the caller decides)
    "number_precision": (
        "该单元格是超过 15 位的数字，Excel 已丢失末尾的数字；请将该列设置为“文本”格式后重新输入",
        "This cell is a number of more than 15 digits, whose last digits Excel has already lost; "
        "please format the column as Text and type the value again.",
    ),
    "cell_too_long": (
        "内容超过 {limit} 个字符",
        "The content is longer than {limit} characters.",
    ),
}

# Named file types for the wrong_type message.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "xlsx": ("Excel 工作簿（.xlsx）", "an Excel workbook (.xlsx)"),
    "xls": ("Excel 97-2003 工作簿（.xls）", "an Excel 97-2003 workbook (.xls)"),
    "csv": ("文本（CSV）", "text (CSV)"),
    "html": ("网页或 XML 文本", "a web page or XML text"),
    "zip": ("压缩包或其他 Office 文档", "a zip archive or another Office document"),
    "ole2": ("其他 Office 97-2003 文档", "another Office 97-2003 document"),
    "png": ("PNG 图片", "a PNG image"),
    "jpeg": ("JPEG 图片", "a JPEG image"),
    "gif": ("GIF 图片", "a GIF image"),
    "pdf": ("PDF 文档", "a PDF document"),
    "gzip": ("gzip 压缩包", "a gzip archive"),
    "rar": ("RAR 压缩包", "a RAR archive"),
    "7z": ("7z 压缩包", "a 7z archive"),
    "exe": ("可执行程序", "an executable program"),
}


@dataclass(frozen=True, slots=True)
class CellError:
    """One problem, located as the user sees it: `row` as Excel numbers it (header = 1), `column` the header
    text the user wrote (or the column letter when the header is not known yet); both None for the file."""

    row: int | None
    column: str | None
    code: str
    message_zh: str
    message_en: str

    def message_for(self, lang: str) -> str:
        return self.message_en if lang.lower().startswith("en") else self.message_zh

    def to_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def cell_error(
    code: str, *, row: int | None = None, column: str | None = None, **params: object
) -> CellError:
    zh, en = MESSAGES[code]
    params.setdefault("row", row)
    params.setdefault("column", column)
    return CellError(row, column, code, zh.format(**params), en.format(**params))


class SpreadsheetRefused(DomainError):
    """The file as a whole is refused; nothing from it may be used. `errors` holds at least one CellError."""

    def __init__(self, errors: list[CellError]):
        if not errors:
            raise ValueError("a refusal needs at least one error")
        super().__init__(errors[0].message_zh, code=errors[0].code)
        self.errors = errors


def refuse(code: str, **params: object) -> SpreadsheetRefused:
    """Build the refusal (the caller raises it, so tracebacks point at the check that failed)."""
    return SpreadsheetRefused([cell_error(code, **params)])
