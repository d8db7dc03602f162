{#- The words of the actions' reasons (marts.customer_actions) in each language of var report_language: one
    sentence per action, the nouns counted in them with a form per CLDR plural category (macro
    plural_category), and the level names used inside a sentence. A {name} in a sentence is filled by the
    model (macro sentence); figures are written by macros money_text, count_text and chance_text. -#}

{% macro reason_sentences() -%}
    {{ return({
        'en': {
            'retain': 'A {tier} customer ({revenue} in the last {window}) is expected to be {predicted} in {horizon}: {chance} likely to buy again, {expected} expected revenue.',
            'win_back': 'Last bought on {last_date}, {since} ago: left the {window_days}-day window {left} ago, after {lifetime} of lifetime purchases (a {floor_tier} customer buys at least {floor} in the window).',
            'grow': 'A {tier} customer {gap} short of the {above} tier ({revenue} of {floor} in the window), {chance} likely to buy again.',
            'welcome': 'First purchase on {first_date} ({revenue} so far).',
            'resolve_complaint': 'A {tier} customer ({revenue} in the window) with {complaints} in the last {days}.',
            'open_and_slow': '{open} and {slow}',
            'outlook_unchecked': ' The outlook is unchecked: the history before the as-of date is shorter than its horizon.',
            'outlook_below_limits': ' The outlook is below its quality limits: {warnings}.',
            'under_1_percent': 'under 1 %',
            'over_99_percent': 'over 99 %',
            'percent': '{number} %',
        },
        'pl': {
            'retain': 'Klient z poziomu {tier} ({revenue} w oknie aktywności: {window}). Prognoza na {horizon}: poziom {predicted}, szansa na kolejny zakup {chance}, oczekiwany przychód {expected}.',
            'win_back': 'Ostatni zakup {last_date}, {since} temu: wypadł z okna aktywności ({window}) {left} temu, po zakupach za {lifetime} łącznie (klient z poziomu {floor_tier} kupuje w oknie za co najmniej {floor}).',
            'grow': 'Klient z poziomu {tier}: brakuje {gap} do poziomu {above} ({revenue} z {floor} w oknie aktywności), szansa na kolejny zakup {chance}.',
            'welcome': 'Pierwszy zakup {first_date} (dotąd {revenue}).',
            'resolve_complaint': 'Klient z poziomu {tier} ({revenue} w oknie aktywności): {complaints} w ciągu {days_genitive}.',
            'open_and_slow': '{open} i {slow}',
            'outlook_unchecked': ' Prognoza jest niesprawdzona: historia przed datą stanu jest krótsza niż jej horyzont.',
            'outlook_below_limits': ' Prognoza nie spełnia swoich progów jakości (zob. outlook_backtest).',
            'under_1_percent': 'poniżej 1 %',
            'over_99_percent': 'powyżej 99 %',
            'percent': '{number} %',
        },
        'ar': {
            'retain': 'عميل من مستوى {tier} ({revenue} خلال آخر {window}) يُتوقع أن يصبح في مستوى {predicted} خلال {horizon}: احتمال الشراء مجددًا {chance}، والإيرادات المتوقعة {expected}.',
            'win_back': 'آخر شراء في {last_date}، قبل {since}: خرج من نافذة النشاط ({window}) قبل {left}، بعد مشتريات إجمالية قدرها {lifetime} (يشتري عميل مستوى {floor_tier} بما لا يقل عن {floor} خلال النافذة).',
            'grow': 'عميل من مستوى {tier} ينقصه {gap} لبلوغ مستوى {above} ({revenue} من {floor} خلال النافذة)، واحتمال الشراء مجددًا {chance}.',
            'welcome': 'أول شراء في {first_date} ({revenue} حتى الآن).',
            'resolve_complaint': 'عميل من مستوى {tier} ({revenue} خلال النافذة) لديه {complaints} خلال آخر {days}.',
            'open_and_slow': '{open} و{slow}',
            'outlook_unchecked': ' التوقعات غير مختبرة: التاريخ المتاح قبل تاريخ الحساب أقصر من أفقها.',
            'outlook_below_limits': ' التوقعات دون حدود جودتها (انظر outlook_backtest).',
            'under_1_percent': 'أقل من ١ ٪',
            'over_99_percent': 'أكثر من ٩٩ ٪',
            'percent': '{number} ٪',
        },
    }) }}
{%- endmacro %}

{% macro reason_nouns() -%}
    {#- Each noun's form per plural category of its language (CLDR: en one/other; pl one/few/many; ar
        zero/one/two/few/many/other), written after the number. -#}
    {{ return({
        'en': {
            'day': {'one': 'day', 'other': 'days'},
            'day_genitive': {'one': 'day', 'other': 'days'},
            'open_complaint': {'one': 'open complaint', 'other': 'open complaints'},
            'slow_complaint': {'one': 'complaint resolved slowly', 'other': 'complaints resolved slowly'},
        },
        'pl': {
            'day': {'one': 'dzień', 'few': 'dni', 'many': 'dni'},
            'day_genitive': {'one': 'dnia', 'few': 'dni', 'many': 'dni'},
            'open_complaint': {'one': 'otwarta skarga', 'few': 'otwarte skargi', 'many': 'otwartych skarg'},
            'slow_complaint': {
                'one': 'skarga rozpatrzona z opóźnieniem',
                'few': 'skargi rozpatrzone z opóźnieniem',
                'many': 'skarg rozpatrzonych z opóźnieniem'},
        },
        'ar': {
            'day': {'zero': 'يوم', 'one': 'يوم', 'two': 'يوم', 'few': 'أيام', 'many': 'يومًا', 'other': 'يوم'},
            'day_genitive': {'zero': 'يوم', 'one': 'يوم', 'two': 'يوم', 'few': 'أيام', 'many': 'يومًا', 'other': 'يوم'},
            'open_complaint': {
                'zero': 'شكوى مفتوحة', 'one': 'شكوى مفتوحة', 'two': 'شكوى مفتوحة',
                'few': 'شكاوى مفتوحة', 'many': 'شكوى مفتوحة', 'other': 'شكوى مفتوحة'},
            'slow_complaint': {
                'zero': 'شكوى حُلّت ببطء', 'one': 'شكوى حُلّت ببطء', 'two': 'شكوى حُلّت ببطء',
                'few': 'شكاوى حُلّت ببطء', 'many': 'شكوى حُلّت ببطء', 'other': 'شكوى حُلّت ببطء'},
        },
    }) }}
{%- endmacro %}

{% macro reason_level_names() -%}
    {#- A level's name inside a reason (English keeps the level's own name). -#}
    {{ return({
        'pl': {'top': 'Najwięksi', 'big': 'Duzi', 'medium': 'Średni', 'small': 'Mali', 'inactive': 'Nieaktywni'},
        'ar': {'top': 'القمة', 'big': 'كبار', 'medium': 'متوسطون', 'small': 'صغار', 'inactive': 'غير نشطين'},
    }) }}
{%- endmacro %}

{% macro reason_number_symbols() -%}
    {#- How a language writes 1,234.50 and its digits (CLDR: pl groups with a no-break space and writes a
        decimal comma; ar-EG writes Arabic-Indic digits with the Arabic separators). -#}
    {{ return({
        'pl': {'from': ',.', 'to': ' ,'},
        'ar': {'from': ',.0123456789', 'to': '٬٫٠١٢٣٤٥٦٧٨٩'},
    }) }}
{%- endmacro %}
