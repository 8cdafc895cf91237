// SPDX-License-Identifier: MIT
// The generator's texts: descriptions of problems as inspectors and citizens
// write them (the subclass name, a place on a real Maoming road, what is wrong),
// addresses, callers and the short notes staff leave on actions.
#include "gen.h"

#include <stdio.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const ROADS[] = {
    "油城一路", "油城二路", "油城三路", "油城四路", "油城五路", "油城六路", "油城七路", "油城八路",
    "油城九路", "油城十路", "迎宾路",   "光华路",   "人民路",   "文明路",   "双山路",   "站前路",
    "官山路",   "西粤路",   "环市路",   "茂南大道", "高凉路",   "河东路",   "新湖路",   "红旗路",
    "建设路",   "健康路",   "桥北路",   "民主路",   "金星路",   "计星路",   "牌坊路",   "大园路",
};

static const char *const LANDMARKS[] = {
    "市场门口", "公交站旁", "小学附近",   "小区东门",   "十字路口", "加油站对面",
    "银行门前", "医院后门", "公园入口",   "菜市场旁",   "商铺前",   "人行道上",
    "绿化带内", "桥底",     "停车场出口", "便利店门口", "小区北门", "酒店旁",
};

static const char *const OPENERS[] = {"", "", "巡查发现", "市民反映", "群众来电反映", "接报："};

static const char *const IMPACTS[] = {
    "影响市容",   "影响通行",   "存在安全隐患",     "群众反映强烈",
    "请尽快处理", "已持续多日", "影响周边居民生活", "请相关部门处理",
};

// What is wrong, by the family of the subclass.
struct family {
    const char *tree;
    const char *prefix; // code prefix ("01" a major class, "0102" one subclass)
    const char *const *details;
    size_t count;
};

#define DETAILS(...)                                                                               \
    (const char *const[]){__VA_ARGS__}, COUNT_OF(((const char *const[]){__VA_ARGS__}))

static const struct family FAMILIES[] = {
    {"component", "010", DETAILS("破损", "缺失", "松动有响声", "下沉", "移位", "盖板断裂")},
    {"component", "0110", DETAILS("不亮", "白天常亮", "灯杆倾斜", "灯罩脱落", "闪烁不停")},
    {"component", "03", DETAILS("损坏", "满溢未清", "脏污", "倾倒", "缺失")},
    {"component", "04", DETAILS("枯死", "倒伏", "缺株", "被毁坏", "杂草丛生")},
    {"component", "", DETAILS("损坏", "缺失", "倾斜", "需要维修", "被撞坏", "锈蚀严重")},
    {"event", "0102",
     DETAILS("堆放大量生活垃圾", "垃圾散落一地", "垃圾无人清理，气味难闻", "有装修垃圾堆放")},
    {"event", "01", DETAILS("情况严重", "多次出现", "范围较大", "无人管理")},
    {"event", "02",
     DETAILS("墙上张贴大量小广告", "电线杆上贴满小广告", "有人散发传单", "悬挂横幅未经审批")},
    {"event", "03",
     DETAILS("施工噪音扰民", "工地扬尘严重", "施工车辆遗撒泥土", "夜间施工", "围挡缺失")},
    {"event", "04", DETAILS("情况紧急", "需立即处置", "已影响交通", "现场有积水")},
    {"event", "050",
     DETAILS("有流动商贩占道经营", "摊档占用人行道", "夜间摆卖，影响通行", "水果摊占道",
             "车辆乱停乱放", "占用盲道")},
    {"event", "", DETAILS("情况反复出现", "影响周边居民", "需要处理")},
};

const char *gen_text_road(int i)
{
    int n = (int)COUNT_OF(ROADS);
    return ROADS[((i % n) + n) % n];
}

int gen_text_road_count(void)
{
    return (int)COUNT_OF(ROADS);
}

static const char *pick(struct gen_rng *rng, const char *const *list, size_t count)
{
    return list[gen_rng_below(rng, (int)count)];
}

#define PICK(rng, list) pick(rng, list, COUNT_OF(list))

void gen_text_description(struct gen_rng *rng, const struct gen_category *category,
                          const char *road, char *out, size_t size)
{
    const struct family *family = &FAMILIES[COUNT_OF(FAMILIES) - 1];
    for (size_t i = 0; i < COUNT_OF(FAMILIES); i++)
        if (strcmp(FAMILIES[i].tree, category->tree) == 0 &&
            strncmp(category->code, FAMILIES[i].prefix, strlen(FAMILIES[i].prefix)) == 0) {
            family = &FAMILIES[i];
            break;
        }
    snprintf(out, size, "%s%s%s，%s%s，%s。", PICK(rng, OPENERS), road, PICK(rng, LANDMARKS),
             category->name_zh, pick(rng, family->details, family->count), PICK(rng, IMPACTS));
}

void gen_text_address(struct gen_rng *rng, const char *street, const char *road, char *out,
                      size_t size)
{
    snprintf(out, size, "茂南区%s%s%d号%s", street, road, 1 + gen_rng_below(rng, 300),
             gen_rng_chance(rng, 0.5) ? "附近" : "");
}

void gen_text_caller(struct gen_rng *rng, char *name, size_t name_size, char *phone,
                     size_t phone_size)
{
    static const char *const SURNAMES[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵",
                                           "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
                                           "何", "高", "林", "罗", "梁", "谢", "冯", "邓"};
    snprintf(name, name_size, "%s%s", PICK(rng, SURNAMES),
             gen_rng_chance(rng, 0.5) ? "先生" : "女士");
    snprintf(phone, phone_size, "1%d%d%08d", 3 + gen_rng_below(rng, 6), gen_rng_below(rng, 10),
             gen_rng_below(rng, 100000000));
}

struct notes {
    const char *action;
    const char *const *notes;
    size_t count;
};

static const struct notes NOTES[] = {
    {"reject", DETAILS("不属于城管受理范围", "经核实问题不存在", "重复上报", "信息不全，无法定位")},
    {"deny", DETAILS("现场核实未发现问题", "问题已自行消失", "地址不符，现场无此情况")},
    {"handle",
     DETAILS("已清理完毕", "已修复", "已更换", "已劝离并清理现场", "已整改到位", "已加固恢复")},
    {"check-fail", DETAILS("现场复核仍未整改到位", "清理不彻底", "修复质量不合格")},
    {"request-return", DETAILS("不属于本单位职责，请改派", "该设施非本单位管养")},
    {"request-extension",
     DETAILS("需采购材料，申请延期", "工程量较大，申请延期", "天气原因无法施工")},
    {"request-suspension", DETAILS("涉及产权纠纷，需协调", "需等待上级审批", "需协调多部门")},
    {"refuse", DETAILS("理由不充分，请按期处置")},
    {"supervise", DETAILS("请加快处置进度", "已超期，请立即处理", "群众多次反映，请尽快办结")},
    {"verify", DETAILS("请核实现场情况", "请到现场核实")},
    {"merge", DETAILS("与已立案件重复")},
    {"resume", DETAILS("协调完毕，恢复处置")},
};

const char *gen_text_note(struct gen_rng *rng, const char *action)
{
    for (size_t i = 0; i < COUNT_OF(NOTES); i++)
        if (strcmp(NOTES[i].action, action) == 0)
            return pick(rng, NOTES[i].notes, NOTES[i].count);
    return NULL;
}
