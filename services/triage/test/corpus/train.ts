// Training grievances: the ruleset is written and tuned against these, and every one
// must classify exactly as expected.
import type { CorpusCase } from "./corpus-case";

export const train: CorpusCase[] = [
  // family
  { id: "t-zh-01", lang: "zh", text: "老公经常家暴，今天又打了我，我脸上都是伤。", category: "family", urgency: "P1" },
  { id: "t-zh-02", lang: "zh", text: "我和老公感情破裂，想离婚，想问一下孩子抚养权一般怎么判。", category: "family", urgency: "P4" },
  { id: "t-zh-03", lang: "zh", text: "前男友一直威胁我，说要把我的照片发到网上，还说要弄死我。", category: "family", urgency: "P1" },
  { id: "t-zh-04", lang: "zh", text: "儿子儿媳不让我住家里，把我赶出来了，我七十多了，现在住在桥底下。", category: "family", urgency: "P1", note: "an elderly person without shelter" },
  { id: "t-zh-05", lang: "zh", text: "父母年纪大了，我们三个兄弟都不愿意出赡养费，互相推。", category: "family", urgency: "P3" },
  { id: "t-zh-06", lang: "zh", text: "孩子的爸爸每次喝醉就打孩子，孩子身上都是淤青，我不敢报警。", category: "family", urgency: "P1" },
  { id: "t-zh-07", lang: "zh", text: "丈夫把我关在家里不让出门，手机也收走了。", category: "family", urgency: "P1" },
  { id: "t-zh-08", lang: "zh", text: "离婚以后前妻不让我见女儿，已经一年了。", category: "family", urgency: "P3" },
  { id: "t-zh-09", lang: "zh", text: "我不着急，就是想了解一下赡养老人的法律规定。", category: "family", urgency: "P4", note: "negated urgency" },
  { id: "t-zh-10", lang: "zh", text: "媳妇天天跟我吵架，还动不动就回娘家，孩子也没人管，这日子怎么过。", category: "family", urgency: "P3" },
  { id: "t-zh-11", lang: "zh", text: "他不停地打我，我跑出来了，现在在路边，身上没钱。我是他老婆。", category: "family", urgency: "P1", note: "不停 is not a negation" },

  // neighbour
  { id: "t-zh-12", lang: "zh", text: "楼下邻居说我家漏水，天天上来敲门吵，我家根本没漏。", category: "neighbour", urgency: "P3" },
  { id: "t-zh-13", lang: "zh", text: "邻居家空调外机对着我家窗户，噪音太大了，跟他沟通了好几次都不改。", category: "neighbour", urgency: "P3", note: "talking to the neighbour several times is not a repeated grievance to us" },
  { id: "t-zh-14", lang: "zh", text: "对门邻居在公共走廊装了摄像头对着我家门，说了也不拆。", category: "neighbour", urgency: "P3" },
  { id: "t-zh-15", lang: "zh", text: "我和邻居只是吵了几句，没有打人，也没有动手，警察来了说让我们调解。", category: "neighbour", urgency: "P3", note: "negated violence" },
  { id: "t-zh-16", lang: "zh", text: "邻居在楼道里放了汽油桶，还说谁再说他就点了。", category: "neighbour", urgency: "P1", note: "threat of arson" },
  { id: "t-zh-17", lang: "zh", text: "隔壁养了十几只鸡，味道很大，苍蝇满天飞，说了好多次也没用。", category: "neighbour", urgency: "P3" },

  // labour
  { id: "t-zh-18", lang: "zh", text: "公司拖欠工资三个月了，找老板就说没钱。", category: "labour", urgency: "P3" },
  { id: "t-zh-19", lang: "zh", text: "我在厂里被机器压断了手指，厂里不给报工伤。", category: "labour", urgency: "P3" },
  { id: "t-zh-20", lang: "zh", text: "我们工地三十多个农民工，包工头跑路了，工钱一分没拿到，大家都急了，说要去市政府。", category: "labour", urgency: "P2" },
  { id: "t-zh-21", lang: "zh", text: "被公司无故辞退，没有签劳动合同，想问问能不能要赔偿。", category: "labour", urgency: "P3", note: "a question, but about a real dismissal" },
  { id: "t-zh-22", lang: "zh", text: "老板说再去劳动局告他，就找人打断我的腿。", category: "labour", urgency: "P1" },
  { id: "t-zh-23", lang: "zh", text: "活不下去了，我要从楼上跳下去，工资一直要不到。", category: "labour", urgency: "P1" },
  { id: "t-zh-24", lang: "zh", text: "谢谢你们上次帮我要回了工资，特别感谢！", category: "labour", urgency: "P4" },
  { id: "t-zh-25", lang: "zh", text: "公司让我们每天加班到晚上十一点，不给加班费。", category: "labour", urgency: "P3" },
  { id: "t-zh-26", lang: "zh", text: "你好，我想问一下，工伤认定一般需要多长时间？", category: "labour", urgency: "P4" },
  { id: "t-zh-27", lang: "zh", text: "在外面打工五年了，今年老板说效益不好，工资打了个对折，还让我们自愿离职。", category: "labour", urgency: "P3", note: "打工 and 打了个对折 are not violence" },

  // land and housing
  { id: "t-zh-28", lang: "zh", text: "两家因为宅基地边界吵起来了，对方扬言要拿刀砍人。", category: "land_housing", urgency: "P1" },
  { id: "t-zh-29", lang: "zh", text: "村里的土地被征收了，补偿标准太低，我们不同意。", category: "land_housing", urgency: "P3" },
  { id: "t-zh-30", lang: "zh", text: "拆迁办的人晚上来砸我家窗户，逼我们签字。", category: "land_housing", urgency: "P1" },
  { id: "t-zh-31", lang: "zh", text: "租的房子漏水，房东一直不修，还不退押金。", category: "land_housing", urgency: "P3" },
  { id: "t-zh-32", lang: "zh", text: "买的新房交房一年了房产证还办不下来。", category: "land_housing", urgency: "P3" },
  { id: "t-zh-33", lang: "zh", text: "物业乱收停车费，还不开发票。", category: "land_housing", urgency: "P3" },
  { id: "t-zh-34", lang: "zh", text: "老家的房子被亲戚占了，不让我们回去住。", category: "land_housing", urgency: "P3" },

  // consumer
  { id: "t-zh-35", lang: "zh", text: "在超市买到过期的牛奶，孩子喝了拉肚子，超市不认账。", category: "consumer", urgency: "P3" },
  { id: "t-zh-36", lang: "zh", text: "装修公司收了定金就联系不上了。", category: "consumer", urgency: "P3" },
  { id: "t-zh-37", lang: "zh", text: "健身房突然关门，老板跑了，几百个会员的卡都没法用了，大家建了群准备集体维权。", category: "consumer", urgency: "P2" },
  { id: "t-zh-38", lang: "zh", text: "气死我了，快递又给我弄丢了，客服态度还很差。", category: "consumer", urgency: "P3", note: "气死 is an idiom" },
  { id: "t-zh-39", lang: "zh", text: "网上买了一台冰箱，送来就是坏的，商家让我自己找售后。", category: "consumer", urgency: "P3" },

  // public services
  { id: "t-zh-40", lang: "zh", text: "医院排队太久，挂号系统老是崩溃，建议改进一下。", category: "public_services", urgency: "P4" },
  { id: "t-zh-41", lang: "zh", text: "社保转移手续办了半年还没办好，每次去都说材料不全。", category: "public_services", urgency: "P3" },
  { id: "t-zh-42", lang: "zh", text: "小区门口的下水道堵了，臭得不行，打了好几次12345都没人来。", category: "public_services", urgency: "P2", note: "repeated unresolved; 打 is calling" },
  { id: "t-zh-43", lang: "zh", text: "我想提个建议，调解中心能不能周六也开门。", category: "public_services", urgency: "P4" },
  { id: "t-zh-44", lang: "zh", text: "我要投诉一下派出所，报案两个月了一直没有立案。", category: "public_services", urgency: "P3" },
  { id: "t-zh-45", lang: "zh", text: "城管把我的摊子收走了，东西也不还。", category: "public_services", urgency: "P3" },

  // legal
  { id: "t-zh-46", lang: "zh", text: "法院判决生效一年了，被执行人一直不履行，执行法官电话也打不通。", category: "legal", urgency: "P3" },
  { id: "t-zh-47", lang: "zh", text: "有人在网上造谣说我骗钱，还天天发短信骚扰我。", category: "legal", urgency: "P3" },
  { id: "t-zh-48", lang: "zh", text: "我想请律师打官司，但是没钱，能申请法律援助吗？", category: "legal", urgency: "P4" },
  { id: "t-zh-49", lang: "zh", text: "我已经向法院起诉了，想问一下立案进度在哪里查。", category: "legal", urgency: "P4" },
  { id: "t-zh-50", lang: "zh", text: "他说如果法院判他输，他就跟对方同归于尽。", category: "legal", urgency: "P1" },
  { id: "t-zh-51", lang: "zh", text: "他打电话威胁我说要来我家找我算账。", category: "legal", urgency: "P1" },

  // other
  { id: "t-zh-52", lang: "zh", text: "这件事我反映好多次了，每次都说在处理，已经拖了一年多。", category: "other", urgency: "P2" },
  { id: "t-zh-53", lang: "zh", text: "隔壁老人一个人住，好几天没见出门了，敲门也没人应，我们很担心。", category: "family", urgency: "P1", note: "an elder at risk is a family matter, as t-en-07 is for a child" },
  { id: "t-zh-54", lang: "zh", text: "请问这个热线是管什么的？", category: "other", urgency: "P4" },

  // English: family
  { id: "t-en-01", lang: "en", text: "My husband beat me again last night and said next time he'll kill me.", category: "family", urgency: "P1" },
  { id: "t-en-02", lang: "en", text: "My ex-wife won't let me see the kids even though the custody order says every other weekend.", category: "family", urgency: "P3" },
  { id: "t-en-03", lang: "en", text: "My elderly mother is being kept in her room by my sister's boyfriend and she called me crying.", category: "family", urgency: "P1" },
  { id: "t-en-04", lang: "en", text: "We're going through a divorce and want to know how property is divided.", category: "family", urgency: "P4" },
  { id: "t-en-05", lang: "en", text: "My son is threatening to hurt himself if we don't give him money.", category: "family", urgency: "P1" },
  { id: "t-en-06", lang: "en", text: "He didn't hit me, he just yells a lot. My husband, I mean. I want to talk to someone about separation.", category: "family", urgency: "P3", note: "negated violence" },
  { id: "t-en-07", lang: "en", text: "There is a child left alone in the apartment next door, crying for two days, parents nowhere.", category: "family", urgency: "P1" },
  { id: "t-en-08", lang: "en", text: "My brother-in-law took over our late father's house and changed the locks; my mum has nowhere to live.", category: "family", urgency: "P2" },

  // English: neighbour
  { id: "t-en-09", lang: "en", text: "My neighbour plays loud music until 3am every night.", category: "neighbour", urgency: "P3" },
  { id: "t-en-10", lang: "en", text: "The people next door let their dog off the leash and it bit my daughter.", category: "neighbour", urgency: "P2" },
  { id: "t-en-11", lang: "en", text: "Neighbour built a wall two feet onto my side of the property line.", category: "neighbour", urgency: "P3" },
  { id: "t-en-12", lang: "en", text: "The guy upstairs threatened to smash my car if I complain again about the noise.", category: "neighbour", urgency: "P1" },
  { id: "t-en-13", lang: "en", text: "It's not urgent, I just have a question about mediation for a fence dispute with my neighbour.", category: "neighbour", urgency: "P4" },
  { id: "t-en-14", lang: "en", text: "No one was hurt, but my neighbour and I had a shouting match over the parking space.", category: "neighbour", urgency: "P3" },
  { id: "t-en-15", lang: "en", text: "my neighbour threatned me with a bat last nite over the parking", category: "neighbour", urgency: "P1", note: "typos" },
  { id: "t-en-16", lang: "en", text: "who do i call about a noisy bar near my flat", category: "neighbour", urgency: "P4" },

  // English: labour
  { id: "t-en-17", lang: "en", text: "I was fired after I told HR I was pregnant.", category: "labour", urgency: "P3" },
  { id: "t-en-18", lang: "en", text: "Employer owes me $3,400 in unpaid wages and stopped answering my calls.", category: "labour", urgency: "P3" },
  { id: "t-en-19", lang: "en", text: "I hurt my back lifting boxes at the warehouse and they say it's not a work injury.", category: "labour", urgency: "P3" },
  { id: "t-en-20", lang: "en", text: "All 60 drivers at our depot haven't been paid for 6 weeks. We're planning a strike and a protest at city hall on Monday unless someone steps in.", category: "labour", urgency: "P2" },
  { id: "t-en-21", lang: "en", text: "My supervisor said if I report the safety violations he'll make sure I never walk again.", category: "labour", urgency: "P1" },
  { id: "t-en-22", lang: "en", text: "I'm done, I can't take it anymore, I'm going to end my life. My employer stole my wages and I can't pay rent.", category: "labour", urgency: "P1" },
  { id: "t-en-23", lang: "en", text: "Please pass on our thanks to the mediator, the wage dispute with the company is resolved.", category: "labour", urgency: "P4" },

  // English: land and housing
  { id: "t-en-24", lang: "en", text: "The developer hasn't handed over our apartments, it's been 18 months past the contract date.", category: "land_housing", urgency: "P3" },
  { id: "t-en-25", lang: "en", text: "The county took part of my farmland for a road and the compensation is far below market value.", category: "land_housing", urgency: "P3" },
  { id: "t-en-26", lang: "en", text: "My landlord is refusing to return my deposit and says I damaged the carpet, which isn't true.", category: "land_housing", urgency: "P3" },
  { id: "t-en-27", lang: "en", text: "Our landlord cut off the heating and water to force us out. I have a newborn baby and it's freezing.", category: "land_housing", urgency: "P1", note: "a baby at risk" },

  // English: consumer
  { id: "t-en-28", lang: "en", text: "The online store sent me a fake phone and now won't answer my emails.", category: "consumer", urgency: "P3" },
  { id: "t-en-29", lang: "en", text: "I was charged twice for the same flight and the airline won't refund.", category: "consumer", urgency: "P3" },
  { id: "t-en-30", lang: "en", text: "Hundreds of customers of the education company lost their prepaid tuition when it shut down. We've organised and we're going to the media.", category: "consumer", urgency: "P2" },
  { id: "t-en-31", lang: "en", text: "Thank you so much for helping me get my refund from the furniture store!", category: "consumer", urgency: "P4" },

  // English: public services
  { id: "t-en-32", lang: "en", text: "The bus service to our village was cancelled and nobody told us.", category: "public_services", urgency: "P3" },
  { id: "t-en-33", lang: "en", text: "I've called five times about the broken streetlight on Elm Road. Still broken.", category: "public_services", urgency: "P2" },
  { id: "t-en-34", lang: "en", text: "How can I get a copy of my residence permit?", category: "public_services", urgency: "P4" },
  { id: "t-en-35", lang: "en", text: "The social welfare office lost my application again, this is the third time I've had to resubmit.", category: "public_services", urgency: "P2" },
  { id: "t-en-36", lang: "en", text: "This paperwork is killing me, the housing office keeps asking for the same documents.", category: "public_services", urgency: "P3", note: "killing me is an idiom" },
  { id: "t-en-37", lang: "en", text: "Just want to suggest that the mediation office put up better signs, I got lost.", category: "public_services", urgency: "P4" },
  { id: "t-en-38", lang: "en", text: "The whole building (about 80 households) has had no water for 5 days and the management company won't say when it will be fixed.", category: "public_services", urgency: "P2" },

  // English: legal
  { id: "t-en-39", lang: "en", text: "I won a judgment in small claims court but the defendant still hasn't paid a cent.", category: "legal", urgency: "P3" },
  { id: "t-en-40", lang: "en", text: "Someone keeps sending me threatening messages saying they'll burn my house down.", category: "legal", urgency: "P1" },
  { id: "t-en-41", lang: "en", text: "Can I get a free lawyer for my appeal?", category: "legal", urgency: "P4" },
  { id: "t-en-42", lang: "en", text: "A man I don't know has been following me home from work and sends me messages every day.", category: "legal", urgency: "P1", note: "stalking" },

  // mixed
  { id: "t-mx-01", lang: "mixed", text: "老板拖欠我wages已经两个月了，说下个月一起给", category: "labour", urgency: "P3" },
  { id: "t-mx-02", lang: "mixed", text: "我老公今天又hit me，我很害怕", category: "family", urgency: "P1" },
  { id: "t-mx-03", lang: "mixed", text: "Landlord 不退 deposit，怎么办？", category: "land_housing", urgency: "P3" },
  { id: "t-mx-04", lang: "mixed", text: "邻居 every night 都很吵，打了很多次电话投诉都没用", category: "neighbour", urgency: "P2" },
  { id: "t-mx-05", lang: "mixed", text: "I want to ask 怎么申请法律援助", category: "legal", urgency: "P4" },
  { id: "t-mx-06", lang: "mixed", text: "他说要 kill 我全家", category: "legal", urgency: "P1" },
  // veiled threats (ruleset 2026.11.2): the harm is never named
  { id: "t-zh-55", lang: "zh", text: "催收的人打电话说，再不还钱就让你全家好看。", category: "legal", urgency: "P1", note: "a threat against the family" },
  { id: "t-zh-56", lang: "zh", text: "跟楼上邻居吵完架，他说让我出门小心点，别在楼道里碰到他。", category: "neighbour", urgency: "P1" },
  { id: "t-zh-57", lang: "zh", text: "前夫打电话说他知道我现在住哪，还知道孩子在哪个幼儿园。", category: "family", urgency: "P1", note: "knowing where the caller and the child are" },
  { id: "t-zh-58", lang: "zh", text: "老板说我要是敢去劳动仲裁，他会让我后悔一辈子。", category: "labour", urgency: "P1" },
  { id: "t-zh-59", lang: "zh", text: "拆迁办的人说不签字就对我家人不客气。", category: "land_housing", urgency: "P1" },
  { id: "t-zh-60", lang: "zh", text: "欠我钱的人被我起诉到法院以后，给我发了我女儿在学校门口的照片。", category: "legal", urgency: "P1", note: "a photo of a child sent to the caller" },
  { id: "t-zh-61", lang: "zh", text: "老公说要离婚就大不了一起死，谁也别想好过。", category: "family", urgency: "P1", note: "大不了 is not a negation" },
  { id: "t-zh-62", lang: "zh", text: "分手以后前男友天天在我家楼下转悠，说他知道我几点接孩子放学。", category: "family", urgency: "P1" },
  { id: "t-zh-63", lang: "zh", text: "快递员打电话说我知道你住哪个小区，快递放门口了，结果东西丢了，快递公司不赔。", category: "consumer", urgency: "P3", note: "a courier knowing the address is not a threat" },
  { id: "t-zh-64", lang: "zh", text: "销售说你不买会后悔的，买回来发现是假货，商家不给退款。", category: "consumer", urgency: "P3", note: "regret about a purchase is not a threat" },
  { id: "t-zh-65", lang: "zh", text: "物业一直不修电梯，业主说再不修就别怪我们去上访。", category: "land_housing", urgency: "P2", note: "the caller's own ultimatum, not a threat to a person" },
  { id: "t-en-43", lang: "en", text: "The debt collector said it would be a shame if something happened to my kids on their way to school.", category: "legal", urgency: "P1" },
  { id: "t-en-44", lang: "en", text: "My ex-husband left a voicemail saying he knows where I work now and that I won't see it coming.", category: "family", urgency: "P1" },
  { id: "t-en-45", lang: "en", text: "Since the court hearing he has been hanging around outside my house every evening.", category: "legal", urgency: "P1", note: "watching the caller's home" },
  { id: "t-en-46", lang: "en", text: "After I went to the employment tribunal my old boss texted me photos of my house and my car, no message.", category: "labour", urgency: "P1" },
  { id: "t-en-47", lang: "en", text: "The landlord said something bad will happen to my family if we don't move out this week.", category: "land_housing", urgency: "P1" },
  { id: "t-en-48", lang: "en", text: "The delivery guy said I know where you live, I'll drop the parcel off later, and it never came. The store won't refund.", category: "consumer", urgency: "P3", note: "a courier knowing the address is not a threat" },
  { id: "t-en-49", lang: "en", text: "I'll regret buying this sofa forever, it fell apart in a week and the store refuses a refund.", category: "consumer", urgency: "P3", note: "the caller's own regret" },
  { id: "t-en-50", lang: "en", text: "He didn't threaten me or say anything about my family, we just argued about the fence.", category: "neighbour", urgency: "P3", note: "negated threat" },
  { id: "t-mx-08", lang: "mixed", text: "催收的人说 we know where your kids go to school，让我自己掂量掂量", category: "legal", urgency: "P1" },
  { id: "t-mx-07", lang: "mixed", text: "ＭＹ ＬＡＮＤＬＯＲＤ 把我的 stuff 扔出去了，现在没地方住", category: "land_housing", urgency: "P3", note: "full-width letters" },
  // broader harm vocabulary (ruleset 2026.11.3): harm in everyday words, and near-misses
  { id: "t-zh-66", lang: "zh", text: "老公昨晚揍了我一顿，我牙都松了，不敢回家。", category: "family", urgency: "P1" },
  { id: "t-zh-67", lang: "zh", text: "我男朋友掐住我的脖子把我按在地上，我差点喘不过气。", category: "family", urgency: "P1" },
  { id: "t-zh-68", lang: "zh", text: "婆婆嫌孩子哭，拿开水烫了孩子的手。", category: "family", urgency: "P1", note: "a child scalded on purpose" },
  { id: "t-zh-69", lang: "zh", text: "隔壁邻居拿着铁锹追着我爸打。", category: "neighbour", urgency: "P1" },
  { id: "t-zh-70", lang: "zh", text: "我丈夫说他已经写好遗书了，电话也打不通，我们全家都在找他。", category: "family", urgency: "P1", note: "a suicide note" },
  { id: "t-zh-71", lang: "zh", text: "我妈说活着太累了，这几天一直在攒安眠药。", category: "family", urgency: "P1" },
  { id: "t-zh-72", lang: "zh", text: "老板把我们的护照扣着，说不干满三年不给，工资也一直拖欠。", category: "labour", urgency: "P1", note: "documents withheld by an employer" },
  { id: "t-zh-73", lang: "zh", text: "村里有个老人瘫痪在床，儿子出去打工，好几天没人管了。", category: "family", urgency: "P1" },
  { id: "t-zh-74", lang: "zh", text: "前夫说要往我家门上泼汽油，我和孩子现在不敢住家里。", category: "family", urgency: "P1" },
  { id: "t-zh-75", lang: "zh", text: "拆迁办的人说再不搬，就让你们全家躺着出去。", category: "land_housing", urgency: "P1", note: "a veiled threat naming only the outcome" },
  { id: "t-zh-76", lang: "zh", text: "催收的说他们是道上的，让我晚上睡觉小心点。", category: "legal", urgency: "P1" },
  { id: "t-zh-77", lang: "zh", text: "这事让我想死的心都有了，公司欠我半年工资。", category: "labour", urgency: "P1", note: "despair said as an idiom; self-harm talk is never discounted" },
  { id: "t-zh-78", lang: "zh", text: "为了车位他推了我一下，我差点摔倒，邻居都看见了。", category: "neighbour", urgency: "P1", note: "a push is physical violence" },
  { id: "t-zh-79", lang: "zh", text: "村里要把老房子推倒重建，补偿一直没谈好。", category: "land_housing", urgency: "P3", note: "推倒 a building" },
  { id: "t-zh-80", lang: "zh", text: "锁在屋里的是我的车钥匙，物业不给开门还要收费。", category: "land_housing", urgency: "P3", note: "keys locked in, not a person" },
  { id: "t-zh-81", lang: "zh", text: "物业乱收停车费，气得我想死。", category: "land_housing", urgency: "P3", note: "气得想死 is anger" },
  { id: "t-zh-82", lang: "zh", text: "我们被困在电梯里半小时，物业一直不来人。", category: "land_housing", urgency: "P3" },
  { id: "t-zh-83", lang: "zh", text: "各部门互相踢皮球，宅基地的事拖了半年没人管。", category: "land_housing", urgency: "P3" },
  { id: "t-zh-84", lang: "zh", text: "我跟房东说押金的事不会就这么算了，我要去起诉他。", category: "land_housing", urgency: "P3", note: "the caller's own resolve is not a threat" },
  { id: "t-en-51", lang: "en", text: "My partner punched a hole in the wall next to my head and then grabbed me by the hair.", category: "family", urgency: "P1" },
  { id: "t-en-52", lang: "en", text: "The manager shoved a worker down the loading ramp at the warehouse and he's bleeding from the head.", category: "labour", urgency: "P1" },
  { id: "t-en-53", lang: "en", text: "My sister came home with a split lip again and says she walked into a door, I know it's her husband.", category: "family", urgency: "P1", note: "an injury told instead of the assault" },
  { id: "t-en-54", lang: "en", text: "My brother texted me that he's sorry for everything and he's been giving away his things.", category: "family", urgency: "P1", note: "farewell and giving away belongings" },
  { id: "t-en-55", lang: "en", text: "I've been cutting my arms again since the landlord took my flat.", category: "land_housing", urgency: "P1" },
  { id: "t-en-56", lang: "en", text: "The agency took our passports when we arrived and the boss keeps us at the farm, we haven't been paid.", category: "labour", urgency: "P1", note: "documents withheld by an employer" },
  { id: "t-en-57", lang: "en", text: "My neighbour turned up with a can of lighter fluid and said he'd torch my shed if I complain again.", category: "neighbour", urgency: "P1" },
  { id: "t-en-58", lang: "en", text: "The debt collector said I should sleep with one eye open from now on.", category: "legal", urgency: "P1" },
  { id: "t-en-59", lang: "en", text: "After the court case the defendant told me next time I won't be so lucky.", category: "legal", urgency: "P1", note: "a veiled threat" },
  { id: "t-en-60", lang: "en", text: "The kids from next door kicked a ball into my window and the neighbour won't pay for it.", category: "neighbour", urgency: "P3", note: "a ball kicked, not a person" },
  { id: "t-en-61", lang: "en", text: "My landlord keeps telling us to burn the rubbish in the garden, the smoke is awful.", category: "land_housing", urgency: "P3", note: "burning rubbish" },
  { id: "t-en-62", lang: "en", text: "I'm dying to know when the council will fix the pothole on our street.", category: "public_services", urgency: "P3", note: "an idiom" },
  { id: "t-en-63", lang: "en", text: "My manager is pushing me to work weekends without overtime pay.", category: "labour", urgency: "P3", note: "pushed to work, not pushed" },
  { id: "t-en-64", lang: "en", text: "The shop charged me twice and I'm bleeding money on bank fees, they won't refund.", category: "consumer", urgency: "P3", note: "an idiom" },
  { id: "t-en-65", lang: "en", text: "The hospital kept my father waiting in A&E for nine hours with a broken arm after his fall.", category: "public_services", urgency: "P2", note: "an accident and a hospital's service, not an assault: an elder harmed (P2), not P1" },
  { id: "t-mx-09", lang: "mixed", text: "我女朋友 keeps saying she has nothing to live for，我很担心她。", category: "family", urgency: "P1" },
  { id: "t-mx-10", lang: "mixed", text: "她老公不许她出门，passport 也被他拿走了。", category: "family", urgency: "P1" },
];
