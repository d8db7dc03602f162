{#-
    One row per customer with an action: the action to take first (macro action_precedence: resolve_complaint,
    retain, win_back, grow, welcome) and the others the customer also has, so a CRM contacts each customer once.
-#}
{%- set precedence = action_precedence() -%}
{%- set other_actions = [] -%}
{%- for action in precedence -%}
    {%- do other_actions.append("max(case when nth_action > 1 and action = '" ~ action ~ "' then action end)") -%}
{%- endfor -%}

with actions as (

    select
        customer_actions.*,
        case customer_actions.action
            {%- for action in precedence %}
                when '{{ action }}' then {{ loop.index }}
            {%- endfor %}
        end as action_order
    from {{ ref('customer_actions') }} as customer_actions

),

ordered as (

    select
        actions.*,
        row_number() over (partition by actions.customer_id order by actions.action_order) as nth_action
    from actions

),

others as (

    {#- One max() per action, in precedence order: concat_ws skips the nulls. -#}
    select
        customer_id,
        concat_ws(', ', {{ other_actions | join(', ') }}) as other_actions
    from ordered
    group by customer_id

)

select
    ordered.customer_id,
    ordered.action,
    cast(row_number() over (
        order by ordered.action_order asc, ordered.priority asc
    ) as integer) as priority,
    nullif(others.other_actions, '') as other_actions,
    ordered.value_at_stake,
    ordered.reason,
    ordered.tier,
    ordered.reachable,
    ordered.country,
    ordered.segment,
    ordered.channel,
    ordered.last_order_date,
    ordered.as_of_date
from ordered
inner join others on ordered.customer_id = others.customer_id
where ordered.nth_action = 1
