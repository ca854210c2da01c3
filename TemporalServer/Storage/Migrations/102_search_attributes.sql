-- Custom search attributes registered with OperatorService.AddSearchAttributes (TemporalServer/Visibility/
-- SearchAttributeRegistry), besides the defaults every namespace has. type is the
-- temporal.api.enums.v1.IndexedValueType number (1 Text, 2 Keyword, 3 Int, 4 Double, 5 Bool, 6 Datetime, 7 KeywordList).
CREATE TABLE temporal.search_attributes (
    namespace text NOT NULL,
    name      text NOT NULL,
    type      int  NOT NULL,
    PRIMARY KEY (namespace, name));
